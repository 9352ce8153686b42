#!/usr/bin/env python3
"""Build large versions of two shipped models' evidence tables, for benchmarks.

    python3 benches/gen_tables.py --rows 1000000 --out target/bench-tables

writes target/bench-tables/rows-1000000/ holding a copy of models/ and scripts/ in which

- models/data/movema-dance-participants.csv has ROWS rows (10 columns), and
- models/data/musician-in-residence-participants.csv has ROWS rows (5 columns), with the
  loneliness table scaled in proportion (its ids drawn from the participants' ids),

each row drawn (with replacement, seeded) from the shipped ILLUSTRATIVE tables, with new unique
ids. Every other file is the shipped one, so `sroi run` on the copied models and
`benches/polars_rules.py` on the copied data compute the same rules over the same rows.
Nothing here is real data.
"""

import argparse
import csv
import os
import random
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def resample(rng, rows, n, id_col, id_format):
    out = []
    for i in range(n):
        row = list(rng.choice(rows))
        row[id_col] = id_format.format(i + 1)
        out.append(row)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20261203)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    dest = os.path.join(args.out, f"rows-{args.rows}")
    if os.path.exists(dest):
        shutil.rmtree(dest)
    shutil.copytree(os.path.join(ROOT, "models"), os.path.join(dest, "models"))
    shutil.copytree(os.path.join(ROOT, "scripts"), os.path.join(dest, "scripts"))
    data = os.path.join(dest, "models", "data")

    header, rows = read(os.path.join(data, "movema-dance-participants.csv"))
    write(
        os.path.join(data, "movema-dance-participants.csv"),
        header,
        resample(rng, rows, args.rows, header.index("participant"), "MD{:07d}"),
    )

    header, rows = read(os.path.join(data, "musician-in-residence-participants.csv"))
    shipped_participants = len(rows)
    participants = resample(rng, rows, args.rows, header.index("service_user"), "MIR{:07d}")
    write(os.path.join(data, "musician-in-residence-participants.csv"), header, participants)

    lheader, lrows = read(os.path.join(data, "musician-in-residence-loneliness.csv"))
    n = max(1, round(args.rows * len(lrows) / shipped_participants))
    ids = rng.sample([p[0] for p in participants], n)
    lonely = []
    for i in range(n):
        row = list(rng.choice(lrows))
        row[lheader.index("service_user")] = ids[i]
        lonely.append(row)
    write(os.path.join(data, "musician-in-residence-loneliness.csv"), lheader, lonely)
    print(dest)


if __name__ == "__main__":
    main()
