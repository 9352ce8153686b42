#!/usr/bin/env python3
"""The movema-dance and musician-in-residence outcome rules, written with polars.

    python3 benches/polars_rules.py PROJECT_DIR MODEL

reads PROJECT_DIR/models/data/*.csv (as written by benches/gen_tables.py) and prints the
quantities the model's script computes, as JSON, so they can be checked against
`sroi run --format json`. It is the peer in the README's performance table: the same rules
as scripts/movema-dance.rhai and scripts/musician-in-residence.rhai, as an analyst would write
them in Python. Params are the shipped models' values.
"""

import json
import sys

import polars as pl

LONELY = "often/always"


def no_longer_lonely(df, before, after):
    # Chronically lonely at the start, anything less often at the follow-up (answered).
    return df.filter((pl.col(before) == LONELY) & pl.col(after).is_not_null() & (pl.col(after) != LONELY))


def read(data, name):
    return pl.read_csv(f"{data}/{name}.csv", infer_schema_length=None)


def movema(data):
    p = read(data, "movema-dance-participants")
    v = read(data, "movema-dance-volunteer-hours")
    lonely = no_longer_lonely(p, "lonely_joining", "lonely_week24")
    rest = p.join(lonely.select("participant"), on="participant", how="anti")
    both = rest.filter(pl.col("swemwbs_first").is_not_null() & pl.col("swemwbs_week12").is_not_null())
    improved = both.filter(pl.col("swemwbs_week12") - pl.col("swemwbs_first") >= 3).height
    respite = p.filter(pl.col("carer_takes_break") == "yes")["sessions_attended"].sum() * 0.5
    gp = p.filter(pl.col("gp_visits_joining").is_not_null() & pl.col("gp_visits_week24").is_not_null())
    gp_fall = max(int(gp["gp_visits_joining"].sum() - gp["gp_visits_week24"].sum()), 0)
    return {
        "participants": p.height,
        "volunteer_hours": v["hours"].sum(),
        "improved_wellbeing": improved,
        "no_longer_lonely": lonely.height,
        "carer_respite_days": respite,
        "gp_visits_avoided": gp_fall,
        "students_more_confident": v.filter(pl.col("reports_confidence") == "more confident").height,
    }


def musician(data):
    p = read(data, "musician-in-residence-participants")
    lonely = no_longer_lonely(read(data, "musician-in-residence-loneliness"), "lonely_joining", "lonely_6m")
    regulars = p.filter(pl.col("sessions_attended") >= 4)
    rest = regulars.join(lonely.select("service_user"), on="service_user", how="anti")
    carers = read(data, "musician-in-residence-carer-survey")
    staff = read(data, "musician-in-residence-staff-survey")
    return {
        "service_users": p.height,
        "sites": p["site"].drop_nulls().n_unique(),
        "no_longer_lonely": lonely.height,
        "improved_mood": rest.filter(pl.col("mood_improved") == "yes").height,
        "bed_days_avoided": read(data, "musician-in-residence-discharges")["bed_days_avoided"].sum(),
        "concert_visits": read(data, "musician-in-residence-concert-visits")["visits_attended"].sum(),
        "families_closer": carers.filter((pl.col("visits_better") == "yes") & (pl.col("feel_closer") == "yes")).height,
        "staff_better": staff.filter((pl.col("job_satisfaction") == "better") & (pl.col("relationships") == "better")).height,
    }


def main():
    project, model = sys.argv[1], sys.argv[2]
    data = f"{project}/models/data"
    rules = {"movema-dance": movema, "musician-in-residence": musician}[model]
    print(json.dumps(rules(data), default=str, sort_keys=True))


if __name__ == "__main__":
    main()
