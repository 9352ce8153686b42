//! `sroi watch --serve`: the latest report as a web page on its own thread.
//!
//! `GET /` answers the latest page; `GET /version` answers the number of the page being
//! served, which goes up with every evaluation. The page carries its own number and a
//! small script that asks `/version` twice a second and reloads when the number moves
//! (polling rather than Server-Sent Events, so one thread serves every reader and no
//! connection is held open). With JavaScript off the page is the same report, only
//! without the reload.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

/// Where `--serve` without an address listens: loopback, a port the OS picks.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// How often the open page asks whether there is a newer one.
const POLL_MS: u32 = 400;

/// Read `ADDR` as given to `--serve`: `HOST:PORT`, or a bare `PORT` on loopback.
pub fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    text.parse::<SocketAddr>().map_err(|_| {
        format!(
            "`{text}` is not an address; write a port (8080) or an IP and port (127.0.0.1:8080)"
        )
    })
}

/// The page being served and its number.
#[derive(Debug, Default)]
struct Latest {
    version: u64,
    /// The report page without the reload script, which is added per request.
    page: String,
}

/// The running server; dropping it stops the thread.
pub struct Server {
    http: Arc<tiny_http::Server>,
    latest: Arc<Mutex<Latest>>,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    addr: SocketAddr,
}

impl Server {
    /// Listen on `addr` and start answering with a placeholder page until the first
    /// evaluation is published.
    pub fn start(addr: SocketAddr) -> Result<Server, String> {
        let http = tiny_http::Server::http(addr).map_err(|e| e.to_string())?;
        let addr = http.server_addr().to_ip().unwrap_or(addr);
        let http = Arc::new(http);
        let latest = Arc::new(Mutex::new(Latest {
            version: 0,
            page: message_page("sroi watch", "The first evaluation is under way."),
        }));
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = {
            let http = Arc::clone(&http);
            let latest = Arc::clone(&latest);
            let stopping = Arc::clone(&stopping);
            std::thread::Builder::new()
                .name("sroi-serve".to_owned())
                .spawn(move || answer(&http, &latest, &stopping))
                .map_err(|e| e.to_string())?
        };
        Ok(Server {
            http,
            latest,
            stopping,
            thread: Some(thread),
            addr,
        })
    }

    /// The address actually listened on (the port the OS chose for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serve `page` from now on, under a new number.
    pub fn publish(&self, page: String) {
        let mut latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        latest.version = latest.version.saturating_add(1);
        latest.page = page;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.http.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Answer requests until the server is unblocked.
fn answer(http: &tiny_http::Server, latest: &Mutex<Latest>, stopping: &AtomicBool) {
    loop {
        let request = match http.recv() {
            Ok(request) => request,
            // `unblock` (the session is ending) or a failed accept: only the first ends
            // the thread; a reader's broken connection must not stop the page.
            Err(_) if stopping.load(Ordering::SeqCst) => return,
            Err(_) => continue,
        };
        let (version, page) = {
            let latest = latest.lock().unwrap_or_else(PoisonError::into_inner);
            (latest.version, latest.page.clone())
        };
        let path = request.url().split('?').next().unwrap_or("");
        let get = matches!(
            request.method(),
            tiny_http::Method::Get | tiny_http::Method::Head
        );
        let (status, body, kind) = match (get, path) {
            (true, "/") => (200, with_reload(&page, version), "text/html; charset=utf-8"),
            (true, "/version") => (200, format!("{version}\n"), "text/plain; charset=utf-8"),
            (true, _) => (404, "not found\n".to_owned(), "text/plain; charset=utf-8"),
            (false, _) => (405, "only GET\n".to_owned(), "text/plain; charset=utf-8"),
        };
        let mut response = tiny_http::Response::from_string(body).with_status_code(status);
        for (name, value) in [("Content-Type", kind), ("Cache-Control", "no-store")] {
            if let Ok(header) = tiny_http::Header::from_bytes(name, value) {
                response.add_header(header);
            }
        }
        // A reader that went away is no concern of the session.
        let _ = request.respond(response);
    }
}

/// The page with its number and the script that reloads it when a newer one is served.
fn with_reload(page: &str, version: u64) -> String {
    let script = format!(
        "<script>/* sroi watch --serve: reload when a newer evaluation is served */\n\
         (function(){{var v=\"{version}\";setInterval(function(){{\
         fetch(\"/version\",{{cache:\"no-store\"}}).then(function(r){{return r.text()}})\
         .then(function(t){{if(t.trim()!==v)location.reload()}}).catch(function(){{}})}},{POLL_MS})}})();\
         </script>\n"
    );
    let tag = format!("<meta name=\"sroi-version\" content=\"{version}\">\n");
    let mut out = String::with_capacity(page.len() + script.len() + tag.len());
    match page.find("</head>") {
        Some(at) => {
            out.push_str(&page[..at]);
            out.push_str(&tag);
            out.push_str(&page[at..]);
        }
        None => out.push_str(page),
    }
    match out.rfind("</body>") {
        Some(at) => out.insert_str(at, &script),
        None => out.push_str(&script),
    }
    out
}

/// `page` with an error banner at the top of its body (the HTML report has its own; this
/// is for the register's list page).
pub fn with_banner(page: &str, headline: &str, errors: &str) -> String {
    let banner = format!(
        "\n<div class=\"banner\" role=\"alert\" style=\"border:2px solid #b42318;padding:.5rem;\
         margin-bottom:1rem\"><strong>{}</strong><pre>{}</pre></div>",
        escape(headline),
        escape(errors)
    );
    match page.find("<body>") {
        Some(at) => {
            let at = at + "<body>".len();
            format!("{}{banner}{}", &page[..at], &page[at..])
        }
        None => format!("{banner}{page}"),
    }
}

/// A page with one message, for when there is no report to show (yet).
pub fn message_page(title: &str, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n</head>\n<body>\n<div class=\"banner\" role=\"alert\">\
         <pre>{}</pre></div>\n</body>\n</html>\n",
        escape(title),
        escape(message)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(parse_addr("8080").unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(parse_addr("0.0.0.0:80").unwrap().to_string(), "0.0.0.0:80");
        assert_eq!(parse_addr("[::1]:9").unwrap().to_string(), "[::1]:9");
        assert!(parse_addr("localhost").is_err());
    }

    #[test]
    fn reload_script_and_number_go_into_the_page() {
        let page = "<html><head><title>t</title></head><body><p>£1</p></body></html>";
        let served = with_reload(page, 7);
        assert!(served.contains("<meta name=\"sroi-version\" content=\"7\">\n</head>"));
        assert!(served.contains("var v=\"7\""));
        assert!(served.find("<p>£1</p>") < served.find("<script>"));
        assert!(served.ends_with("</script>\n</body></html>"));
    }

    #[test]
    fn a_banner_goes_first_in_the_body() {
        let page = with_banner("<html><body><p>list</p></body></html>", "failed", "x < y");
        assert!(page.starts_with("<html><body>\n<div class=\"banner\" role=\"alert\""));
        assert!(page.contains("<pre>x &lt; y</pre></div><p>list</p>"));
    }

    #[test]
    fn a_message_is_escaped() {
        let page = message_page("x", "a <b> & c");
        assert!(page.contains("a &lt;b&gt; &amp; c"));
    }
}
