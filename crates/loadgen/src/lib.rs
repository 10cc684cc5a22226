//! A closed-loop load generator for chiiki's web application.
//!
//! `clients` logged-in clients run at once for a fixed time against a server's base URL. Each
//! logs in itself (its own session cookie and CSRF token), then sends its next request as soon
//! as the previous one was answered. Most requests read real pages (lists with filters, detail
//! pages, the JSON API); a share are writes that succeed by design, because every client
//! writes only in a place of its own:
//!
//! - a coordinator of Iwate asks for and cancels dispatch requests (代診依頼) for 岩手県立釜石病院
//!   in a month of its own, years ahead, that no other client uses;
//! - a secretariat of the demo alliance books and cancels its shared equipment in hours of
//!   its own, in a block of weeks no other client uses.
//!
//! A write is a form posted with the session's CSRF token and answered `303 See Other`; the
//! client then follows the redirect as a browser does (a read) and checks that the page shows
//! what it wrote. After the time is up every client reads its writes back: what it created
//! and did not cancel is there, what it cancelled is not. Any other status, a transport error
//! or a timeout is an error; [`Report::passed`] holds only with none.
//!
//! The accounts the clients log in with are made beforehand ([`accounts`] says which):
//! `scripts/load` makes them with `chiiki user add`, the tests with the app directly.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

/// The demo's alliance, whose equipment the secretariat clients book.
pub const ALLIANCE: &str = "12-TOKATSU-NANBU";
/// The member corporation the bookings are made for (a member since 2024-09-17).
pub const BOOKING_MEMBER: &str = "医療法人弘仁会";
/// The facility the coordinators ask cover for: 岩手県立釜石病院 (it has coordinates).
pub const DISPATCH_FACILITY: &str = "R7-0306-14";
/// The prefecture of the coordinators: Iwate, the demo's.
pub const COORDINATOR_PREF: &str = "03";
/// The prefecture of the demo alliance: Chiba.
pub const SECRETARIAT_PREF: &str = "12";

/// Dispatch requests a coordinator keeps open at most: one more write cancels the oldest.
const KEEP_OPEN: usize = 3;
/// Bookings a secretariat makes a day (one an hour from 08:00), and the days of its block.
const SLOTS_PER_DAY: u32 = 10;
const BLOCK_DAYS: u32 = 56;

/// What the load is.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server, e.g. `http://127.0.0.1:8080` (no trailing slash needed).
    pub base: String,
    pub clients: usize,
    /// How long the clients send requests (logging in and reading back come before and after).
    pub duration: Duration,
    /// Each client goes on past `duration` until it has made this many writes (0: stop at
    /// the time): a short run that must write, whatever the machine's speed.
    pub min_writes: u32,
    /// Account names are `{prefix}-{index:03}` ([`accounts`]).
    pub prefix: String,
    /// The password of every account.
    pub password: String,
    /// Percentage of operations that are writes (0–100).
    pub write_percent: u32,
    /// How long a request may take before it counts as an error.
    pub timeout: Duration,
    /// Seeds each client's choices (the client's index is added).
    pub seed: u64,
}

/// What a client does, and what its account must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A coordinator of Iwate (`--role coordinator --pref 03`).
    Coordinator,
    /// The demo alliance's secretariat (`--role secretariat --pref 12 --alliance 12-TOKATSU-NANBU`).
    Secretariat,
}

impl Role {
    /// The role's code, as `chiiki user add --role` takes it.
    pub fn code(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Secretariat => "secretariat",
        }
    }

    /// The options of `chiiki user add` for an account of this role, after `--username`.
    pub fn user_add_args(self) -> Vec<&'static str> {
        match self {
            Role::Coordinator => vec!["--role", "coordinator", "--pref", COORDINATOR_PREF],
            Role::Secretariat => vec![
                "--role",
                "secretariat",
                "--pref",
                SECRETARIAT_PREF,
                "--alliance",
                ALLIANCE,
            ],
        }
    }
}

/// The account a client logs in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub index: usize,
    pub username: String,
    pub role: Role,
    /// The client's own place among those of its role (its month or its block of weeks).
    pub slot: u32,
}

/// The accounts of `clients` clients: every fourth (3, 7, 11, …) a secretariat, the others
/// coordinators.
pub fn accounts(prefix: &str, clients: usize) -> Vec<Account> {
    let (mut coordinators, mut secretariats) = (0u32, 0u32);
    (0..clients)
        .map(|index| {
            let (role, slot) = if index % 4 == 3 {
                secretariats += 1;
                (Role::Secretariat, secretariats - 1)
            } else {
                coordinators += 1;
                (Role::Coordinator, coordinators - 1)
            };
            Account {
                index,
                username: format!("{prefix}-{index:03}"),
                role,
                slot,
            }
        })
        .collect()
}

/// Why the load could not be run at all (its failures are in the [`Report`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Config(String),
    #[error("cannot make an HTTP client: {0}")]
    Client(String),
}

/// Whether an operation read or wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Read,
    Write,
}

/// Latencies of one kind of request, in microseconds, sorted.
#[derive(Debug, Clone, Default)]
pub struct Latencies(Vec<u64>);

impl Latencies {
    pub fn count(&self) -> usize {
        self.0.len()
    }
    /// The nearest-rank percentile `p` (0–100), `None` when there are none.
    pub fn percentile(&self, p: f64) -> Option<Duration> {
        if self.0.is_empty() {
            return None;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.0.len()) - 1;
        self.0.get(i).map(|us| Duration::from_micros(*us))
    }
    pub fn max(&self) -> Option<Duration> {
        self.0.last().map(|us| Duration::from_micros(*us))
    }
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Report {
    pub clients: usize,
    pub duration: Duration,
    /// From the start of the load to the last answer (requests in flight at the end count).
    pub elapsed: Duration,
    /// Clients logged in and ready, and how long logging everyone in took.
    pub logged_in: usize,
    pub login_time: Duration,
    pub reads: Latencies,
    pub writes: Latencies,
    /// Errors during the load, by kind (`GET /doctors: status 500`, `timeout`, …).
    pub errors: BTreeMap<String, u64>,
    /// Writes checked after the load, and the checks that failed (at most 20 are kept).
    pub checked: u64,
    pub readback_failures: u64,
    pub readback_examples: Vec<String>,
    /// Errors while logging in or reading back, by kind.
    pub other_errors: BTreeMap<String, u64>,
}

impl Report {
    pub fn requests(&self) -> usize {
        self.reads.count() + self.writes.count()
    }
    /// Errors of every phase, read-back failures included.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum::<u64>()
            + self.other_errors.values().sum::<u64>()
            + self.readback_failures
    }
    /// Every client logged in, no error, every write read back.
    pub fn passed(&self) -> bool {
        self.logged_in == self.clients && self.error_count() == 0
    }
    fn rate(&self, n: usize) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { n as f64 / s } else { 0.0 }
    }
}

fn ms(d: Option<Duration>) -> String {
    d.map_or("-".into(), |d| format!("{:.1}", d.as_secs_f64() * 1000.0))
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.requests();
        writeln!(f, "clients      {}", self.clients)?;
        writeln!(
            f,
            "seconds      {} (load ran {:.1} s to the last answer)",
            self.duration.as_secs_f64(),
            self.elapsed.as_secs_f64()
        )?;
        writeln!(
            f,
            "logged in    {} of {} in {:.1} s (before the load, not counted below)",
            self.logged_in,
            self.clients,
            self.login_time.as_secs_f64()
        )?;
        let share = if n > 0 {
            100.0 * self.writes.count() as f64 / n as f64
        } else {
            0.0
        };
        writeln!(
            f,
            "requests     {n} ({} reads, {} writes = {share:.1} %)",
            self.reads.count(),
            self.writes.count()
        )?;
        let load_errors: u64 = self.errors.values().sum();
        writeln!(f, "errors       {load_errors}")?;
        for (k, v) in &self.errors {
            writeln!(f, "  {v:>8}  {k}")?;
        }
        writeln!(
            f,
            "throughput   {:.1} requests/s (reads {:.1}/s, writes {:.1}/s)",
            self.rate(n),
            self.rate(self.reads.count()),
            self.rate(self.writes.count())
        )?;
        writeln!(
            f,
            "latency ms   {:<6} {:>8} {:>8} {:>8} {:>8}",
            "", "p50", "p90", "p99", "max"
        )?;
        for (name, l) in [("reads", &self.reads), ("writes", &self.writes)] {
            writeln!(
                f,
                "             {name:<6} {:>8} {:>8} {:>8} {:>8}",
                ms(l.percentile(50.0)),
                ms(l.percentile(90.0)),
                ms(l.percentile(99.0)),
                ms(l.max())
            )?;
        }
        writeln!(
            f,
            "read back    {} writes checked, {} not as written",
            self.checked, self.readback_failures
        )?;
        for e in &self.readback_examples {
            writeln!(f, "  {e}")?;
        }
        if !self.other_errors.is_empty() {
            writeln!(f, "errors logging in or reading back")?;
            for (k, v) in &self.other_errors {
                writeln!(f, "  {v:>8}  {k}")?;
            }
        }
        write!(
            f,
            "result       {}",
            if self.passed() {
                "PASS: every client logged in, 0 errors, every write read back"
            } else {
                "FAIL"
            }
        )
    }
}

/// One request's outcome: its latency, or the kind of error.
type Outcome = Result<(StatusCode, String), String>;

/// A client's HTTP session.
struct Http {
    c: reqwest::Client,
    base: String,
}

impl Http {
    fn new(base: &str, timeout: Duration) -> Result<Self, Error> {
        let c = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(timeout)
            .pool_max_idle_per_host(1)
            .build()
            .map_err(|e| Error::Client(e.to_string()))?;
        Ok(Self {
            c,
            base: base.trim_end_matches('/').to_string(),
        })
    }

    /// Sends a request and reads its body; the status and body, or the kind of error.
    async fn send(&self, req: reqwest::RequestBuilder) -> Outcome {
        let r = req.send().await.map_err(kind_of)?;
        let status = r.status();
        let location = r
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        let body = r.text().await.map_err(kind_of)?;
        // A redirect's body is empty: its Location is what matters.
        Ok((status, location.unwrap_or(body)))
    }

    async fn get(&self, path: &str) -> Outcome {
        self.send(self.c.get(format!("{}{path}", self.base))).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Outcome {
        self.send(self.c.post(format!("{}{path}", self.base)).form(form))
            .await
    }
}

fn kind_of(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else if e.is_body() || e.is_decode() {
        "body cut off".into()
    } else {
        "transport error".into()
    }
}

/// The value of the first hidden `csrf` input of a page.
pub fn csrf_of(html: &str) -> Option<String> {
    const MARK: &str = r#"name="csrf" value=""#;
    let i = html.find(MARK)? + MARK.len();
    let rest = html.get(i..)?;
    let end = rest.find('"')?;
    let v = &rest[..end];
    (!v.is_empty()).then(|| v.to_string())
}

/// The `value`s of the `<option>`s of the `<select name="{name}">` of a page.
fn options_of(html: &str, name: &str) -> Vec<String> {
    let mark = format!(r#"<select name="{name}""#);
    let Some(i) = html.find(&mark) else {
        return Vec::new();
    };
    let rest = &html[i..];
    let rest = &rest[..rest.find("</select>").unwrap_or(rest.len())];
    rest.split(r#"<option value=""#)
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// The id of the dispatch request whose note is `note` on a month's page.
fn request_id(html: &str, note: &str) -> Option<u64> {
    let at = html.find(&format!("· {note}</div>"))?;
    const ROW: &str = r#"<th scope="row">"#;
    let row = html[..at].rfind(ROW)? + ROW.len();
    let digits: String = html[row..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The ids of the `items` of a JSON page of the API.
fn ids_of(json: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| {
            v.get("items").and_then(|i| i.as_array()).map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.get("id").and_then(|s| s.as_str()).map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// What a client measured and found.
#[derive(Default)]
struct Tally {
    reads: Vec<u64>,
    writes: Vec<u64>,
    errors: BTreeMap<String, u64>,
    other_errors: BTreeMap<String, u64>,
    checked: u64,
    readback_failures: Vec<String>,
}

impl Tally {
    fn error(&mut self, what: String) {
        *self.errors.entry(what).or_default() += 1;
    }
    fn other(&mut self, what: String) {
        *self.other_errors.entry(what).or_default() += 1;
    }
}

/// A dispatch request of a coordinator: its note, and its id once seen on the page.
struct Asked {
    note: String,
    id: u64,
}

/// A booking of a secretariat: its id and the day it starts.
struct Booked {
    id: u64,
    day: NaiveDate,
}

/// What a client keeps between its requests.
struct Client {
    account: Account,
    http: Http,
    csrf: String,
    rng: ChaCha8Rng,
    /// Doctors and facilities to read (from the API, after logging in).
    doctors: Vec<String>,
    facilities: Vec<String>,
    /// Coordinator: its month (`YYYY-MM`), its open and its cancelled requests.
    month: String,
    month_start: NaiveDate,
    open: Vec<Asked>,
    cancelled: Vec<Asked>,
    /// Secretariat: the equipment, its first day, its bookings open and cancelled.
    equipment: Vec<String>,
    block_start: NaiveDate,
    booked: Vec<Booked>,
    unbooked: Vec<Booked>,
    /// Writes made (creates and cancels), and creates (numbering notes and slots).
    writes: u32,
    created: u32,
    tally: Tally,
}

/// What a write did.
enum Wrote {
    /// A write was sent (answered as expected or counted as an error).
    Sent,
    /// Nothing was written (the client has no room left); a read instead.
    Nothing,
}

impl Client {
    /// Logs in and reads what its writes need (the CSRF token, the equipment).
    async fn log_in(&mut self, password: &str) -> Result<(), String> {
        let (st, page) = self
            .http
            .get("/login")
            .await
            .map_err(|e| format!("GET /login: {e}"))?;
        if st != StatusCode::OK {
            return Err(format!("GET /login: status {}", st.as_u16()));
        }
        let csrf = csrf_of(&page).ok_or("GET /login: no csrf field in the form")?;
        let user = self.account.username.clone();
        let (st, _) = self
            .http
            .post(
                "/login",
                &[
                    ("username", &user),
                    ("password", password),
                    ("csrf", &csrf),
                    ("next", "/"),
                ],
            )
            .await
            .map_err(|e| format!("POST /login: {e}"))?;
        if st != StatusCode::SEE_OTHER {
            return Err(format!(
                "POST /login: status {} (303 expected: is the account made, with this password?)",
                st.as_u16()
            ));
        }
        let home = match self.account.role {
            Role::Coordinator => format!("/dispatch?month={}", self.month),
            Role::Secretariat => format!("/alliances/{ALLIANCE}/equipment"),
        };
        // Errors are named by the page, not by the client's own month.
        let label = match self.account.role {
            Role::Coordinator => "/dispatch?month (own)",
            Role::Secretariat => "/alliances/{id}/equipment",
        };
        let (st, page) = self
            .http
            .get(&home)
            .await
            .map_err(|e| format!("GET {label}: {e}"))?;
        if st != StatusCode::OK {
            return Err(format!("GET {label}: status {}", st.as_u16()));
        }
        self.csrf = csrf_of(&page).ok_or_else(|| format!("GET {label}: no csrf field"))?;
        match self.account.role {
            Role::Coordinator => {
                for (path, into) in [
                    ("/api/doctors?limit=100", &mut self.doctors),
                    ("/api/facilities?area=0306&limit=100", &mut self.facilities),
                ] {
                    let (st, body) = self
                        .http
                        .get(path)
                        .await
                        .map_err(|e| format!("GET {path}: {e}"))?;
                    *into = ids_of(&body);
                    if st != StatusCode::OK || into.is_empty() {
                        return Err(format!("GET {path}: status {}, no ids", st.as_u16()));
                    }
                }
            }
            Role::Secretariat => {
                self.equipment = options_of(&page, "equipment");
                if self.equipment.is_empty() {
                    return Err(format!("GET {label}: no equipment to book"));
                }
            }
        }
        Ok(())
    }

    /// A read: a page (or the API) the client's role reads, and its label for errors.
    fn pick_read(&mut self) -> (String, &'static str) {
        let pick = |rng: &mut ChaCha8Rng, v: &[String]| -> String {
            v.get(rng.random_range(0..v.len().max(1)))
                .cloned()
                .unwrap_or_default()
        };
        match self.account.role {
            Role::Coordinator => match self.rng.random_range(0..16u32) {
                0 => ("/doctors".into(), "/doctors"),
                1 => ("/doctors?status=active".into(), "/doctors?status"),
                2 => (
                    format!("/doctors?year={}", self.rng.random_range(2014..=2024)),
                    "/doctors?year",
                ),
                3 => (
                    format!("/doctors?page={}", self.rng.random_range(1..=3)),
                    "/doctors?page",
                ),
                4 | 5 => (
                    format!("/doctors/{}", pick(&mut self.rng, &self.doctors)),
                    "/doctors/{id}",
                ),
                6 => ("/facilities".into(), "/facilities"),
                7 => ("/facilities?area=0306".into(), "/facilities?area"),
                8 => (
                    format!("/facilities/{}", pick(&mut self.rng, &self.facilities)),
                    "/facilities/{id}",
                ),
                9 => ("/areas".into(), "/areas"),
                10 => ("/areas/0306".into(), "/areas/{code}"),
                11 => ("/placement".into(), "/placement"),
                12 => {
                    if self.rng.random_bool(0.5) {
                        ("/dispatch".into(), "/dispatch")
                    } else {
                        ("/bank".into(), "/bank")
                    }
                }
                13 => (
                    "/api/doctors?status=active&limit=20".into(),
                    "/api/doctors?status",
                ),
                14 => (
                    format!("/api/doctors/{}", pick(&mut self.rng, &self.doctors)),
                    "/api/doctors/{id}",
                ),
                _ => ("/api/facilities?area=0306".into(), "/api/facilities?area"),
            },
            Role::Secretariat => match self.rng.random_range(0..8u32) {
                0 | 1 => (format!("/alliances/{ALLIANCE}"), "/alliances/{id}"),
                2 | 3 => (
                    format!("/alliances/{ALLIANCE}/equipment"),
                    "/alliances/{id}/equipment",
                ),
                4 => (
                    format!("/alliances/{ALLIANCE}/loans"),
                    "/alliances/{id}/loans",
                ),
                5 => (format!("/alliances/{ALLIANCE}/aid"), "/alliances/{id}/aid"),
                6 => (format!("/training/{ALLIANCE}"), "/training/{scope}"),
                _ => (
                    format!("/alliances/{ALLIANCE}/procurement"),
                    "/alliances/{id}/procurement",
                ),
            },
        }
    }

    /// Times a request; counts it as `kind` (or its error).
    async fn timed(
        &mut self,
        kind: Kind,
        label: &str,
        req: impl std::future::Future<Output = Outcome>,
        expect: StatusCode,
    ) -> Option<String> {
        let t = Instant::now();
        let out = req.await;
        let us = t.elapsed().as_micros().min(u128::from(u64::MAX)) as u64;
        let method = if kind == Kind::Read { "GET" } else { "POST" };
        match out {
            Ok((st, body)) => {
                match kind {
                    Kind::Read => self.tally.reads.push(us),
                    Kind::Write => self.tally.writes.push(us),
                }
                if st == expect {
                    Some(body)
                } else {
                    self.tally
                        .error(format!("{method} {label}: status {}", st.as_u16()));
                    None
                }
            }
            Err(e) => {
                self.tally.error(format!("{method} {label}: {e}"));
                None
            }
        }
    }

    async fn read(&mut self) {
        let (path, label) = self.pick_read();
        let http = self.handle();
        self.timed(Kind::Read, label, http.get(&path), StatusCode::OK)
            .await;
    }

    /// A handle on the same session (the cookie store is shared).
    fn handle(&self) -> Http {
        Http {
            c: self.http.c.clone(),
            base: self.http.base.clone(),
        }
    }

    /// A write of the client's own, then the page its redirect leads to, checked.
    async fn write(&mut self) {
        let wrote = match self.account.role {
            Role::Coordinator => self.dispatch_write().await,
            Role::Secretariat => self.booking_write().await,
        };
        if let Wrote::Nothing = wrote {
            // Counted as a write made, so that `min_writes` always ends.
            self.writes += 1;
            self.read().await;
        }
    }

    /// Asks for cover, or cancels the oldest open request when `KEEP_OPEN` are open.
    async fn dispatch_write(&mut self) -> Wrote {
        let csrf = self.csrf.clone();
        let month = self.month.clone();
        let http = self.handle();
        let back = format!("/dispatch?month={month}");
        if self.open.len() >= KEEP_OPEN {
            let asked = self.open.remove(0);
            let path = format!("/dispatch/requests/{}/cancel", asked.id);
            let form = [
                ("csrf", csrf.as_str()),
                ("pref", COORDINATOR_PREF),
                ("month", &month),
            ];
            let to = self
                .timed(
                    Kind::Write,
                    "/dispatch/requests/{id}/cancel",
                    http.post(&path, &form),
                    StatusCode::SEE_OTHER,
                )
                .await;
            self.writes += 1;
            let Some(to) = to else {
                // Whether it was cancelled is unknown: not checked later.
                return Wrote::Sent;
            };
            let page = self
                .follow(&http, &to, &back, "/dispatch?month (own)")
                .await;
            if let Some(page) = page
                && page.contains(&format!("/dispatch/requests/{}/cancel\"", asked.id))
            {
                self.tally.readback_failures.push(format!(
                    "{}: dispatch request {} still open right after it was cancelled",
                    self.account.username, asked.id
                ));
            }
            self.cancelled.push(asked);
            return Wrote::Sent;
        }
        let n = self.created;
        self.created += 1;
        let note = format!("loadgen {} n{n}", self.account.username);
        let day = self.month_start + chrono::Duration::days(i64::from(n % 28));
        let date = day.to_string();
        let form = [
            ("csrf", csrf.as_str()),
            ("pref", COORDINATOR_PREF),
            ("month", &month),
            ("facility", DISPATCH_FACILITY),
            ("date", &date),
            ("start", "09:00"),
            ("end", "17:00"),
            ("kind", "clinic_day"),
            ("urgency", "routine"),
            ("skill", ""),
            ("note", &note),
        ];
        let to = self
            .timed(
                Kind::Write,
                "/dispatch/requests",
                http.post("/dispatch/requests", &form),
                StatusCode::SEE_OTHER,
            )
            .await;
        self.writes += 1;
        let Some(to) = to else { return Wrote::Sent };
        let Some(page) = self
            .follow(&http, &to, &back, "/dispatch?month (own)")
            .await
        else {
            // The error is counted; the request cannot be followed without its id.
            return Wrote::Sent;
        };
        match request_id(&page, &note) {
            Some(id) => self.open.push(Asked { note, id }),
            None => self.tally.readback_failures.push(format!(
                "{}: the dispatch request '{note}' is not on {to} right after it was made",
                self.account.username
            )),
        }
        Wrote::Sent
    }

    /// Books an hour of its own, or cancels the oldest booking when `KEEP_OPEN` are open.
    async fn booking_write(&mut self) -> Wrote {
        let csrf = self.csrf.clone();
        let http = self.handle();
        if self.booked.len() >= KEEP_OPEN {
            let b = self.booked.remove(0);
            let path = format!("/alliances/{ALLIANCE}/bookings/{}/cancel", b.id);
            let week = b.day.to_string();
            let form = [("csrf", csrf.as_str()), ("week", &week)];
            let to = self
                .timed(
                    Kind::Write,
                    "/alliances/{id}/bookings/{id}/cancel",
                    http.post(&path, &form),
                    StatusCode::SEE_OTHER,
                )
                .await;
            self.writes += 1;
            let Some(to) = to else { return Wrote::Sent };
            let back = format!("/alliances/{ALLIANCE}/equipment?week={week}");
            let page = self
                .follow(&http, &to, &back, "/alliances/{id}/equipment?week (own)")
                .await;
            if let Some(page) = page
                && page.contains(&format!("id=\"booking-{}\"", b.id))
            {
                self.tally.readback_failures.push(format!(
                    "{}: booking {} still shown right after it was cancelled",
                    self.account.username, b.id
                ));
            }
            self.unbooked.push(b);
            return Wrote::Sent;
        }
        let n = self.created;
        if n >= SLOTS_PER_DAY * BLOCK_DAYS {
            return Wrote::Nothing;
        }
        self.created += 1;
        let day = self.block_start + chrono::Duration::days(i64::from(n / SLOTS_PER_DAY));
        let hour = 8 + n % SLOTS_PER_DAY;
        let equipment = self.equipment[(n as usize) % self.equipment.len()].clone();
        let date = day.to_string();
        let (start, end) = (format!("{hour:02}:00"), format!("{hour:02}:50"));
        let purpose = format!("loadgen {} n{n}（架空）", self.account.username);
        let form = [
            ("csrf", csrf.as_str()),
            ("equipment", &equipment),
            ("by", BOOKING_MEMBER),
            ("start_date", &date),
            ("start_time", &start),
            ("end_date", &date),
            ("end_time", &end),
            ("purpose", &purpose),
        ];
        let path = format!("/alliances/{ALLIANCE}/bookings");
        let to = self
            .timed(
                Kind::Write,
                "/alliances/{id}/bookings",
                http.post(&path, &form),
                StatusCode::SEE_OTHER,
            )
            .await;
        self.writes += 1;
        let Some(to) = to else { return Wrote::Sent };
        let id = to
            .rsplit_once("#booking-")
            .and_then(|(_, id)| id.parse::<u64>().ok());
        let Some(id) = id else {
            self.tally.readback_failures.push(format!(
                "{}: booking answered with {to}, not a page #booking-ID",
                self.account.username
            ));
            return Wrote::Sent;
        };
        let Some(page) = self
            .follow(&http, &to, &to, "/alliances/{id}/equipment?week (own)")
            .await
        else {
            // The error is counted; the booking is kept, to be read back.
            self.booked.push(Booked { id, day });
            return Wrote::Sent;
        };
        if page.contains(&format!("id=\"booking-{id}\"")) {
            self.booked.push(Booked { id, day });
        } else {
            self.tally.readback_failures.push(format!(
                "{}: booking {id} is not on {to} right after it was made",
                self.account.username
            ));
        }
        Wrote::Sent
    }

    /// Follows a write's redirect as a browser would (a read): the page, when it is the one
    /// expected and answered 200.
    async fn follow(
        &mut self,
        http: &Http,
        to: &str,
        expected: &str,
        label: &str,
    ) -> Option<String> {
        let path = to.split('#').next().unwrap_or(to).to_string();
        let want = expected.split('#').next().unwrap_or(expected);
        if path != want {
            self.tally
                .error(format!("POST → {label}: redirected to {path}, not {want}"));
            return None;
        }
        self.timed(Kind::Read, label, http.get(&path), StatusCode::OK)
            .await
    }

    /// After the load: what it created and kept is on its pages, what it cancelled is not.
    async fn read_back(&mut self) {
        let http = self.handle();
        match self.account.role {
            Role::Coordinator => {
                if self.open.is_empty() && self.cancelled.is_empty() {
                    return;
                }
                let path = format!("/dispatch?month={}", self.month);
                let page = match http.get(&path).await {
                    Ok((StatusCode::OK, page)) => page,
                    Ok((st, _)) => {
                        return self.tally.other(format!(
                            "read back GET /dispatch?month (own): status {}",
                            st.as_u16()
                        ));
                    }
                    Err(e) => {
                        return self
                            .tally
                            .other(format!("read back GET /dispatch?month (own): {e}"));
                    }
                };
                let mut failures = Vec::new();
                for a in &self.open {
                    if request_id(&page, &a.note) != Some(a.id)
                        || !page.contains(&format!("/dispatch/requests/{}/cancel\"", a.id))
                    {
                        failures.push(format!(
                            "dispatch request {} ('{}') is not open",
                            a.id, a.note
                        ));
                    }
                }
                for a in &self.cancelled {
                    if page.contains(&format!("/dispatch/requests/{}/cancel\"", a.id)) {
                        failures.push(format!(
                            "dispatch request {} was cancelled but is open",
                            a.id
                        ));
                    }
                }
                self.tally.checked += (self.open.len() + self.cancelled.len()) as u64;
                let user = self.account.username.clone();
                self.tally
                    .readback_failures
                    .extend(failures.into_iter().map(|f| format!("{user}: {f}")));
            }
            Role::Secretariat => {
                // One page per week (Monday) that holds a booking of the client's.
                let monday = |d: NaiveDate| {
                    d - chrono::Duration::days(i64::from(d.weekday().num_days_from_monday()))
                };
                let weeks: BTreeSet<NaiveDate> = self
                    .booked
                    .iter()
                    .chain(&self.unbooked)
                    .map(|b| monday(b.day))
                    .collect();
                for week in weeks {
                    let path = format!("/alliances/{ALLIANCE}/equipment?week={week}");
                    let page = match http.get(&path).await {
                        Ok((StatusCode::OK, page)) => page,
                        Ok((st, _)) => {
                            self.tally.other(format!(
                                "read back GET /alliances/{{id}}/equipment?week (own): status {}",
                                st.as_u16()
                            ));
                            continue;
                        }
                        Err(e) => {
                            self.tally.other(format!(
                                "read back GET /alliances/{{id}}/equipment?week (own): {e}"
                            ));
                            continue;
                        }
                    };
                    let user = self.account.username.clone();
                    for (b, kept) in self
                        .booked
                        .iter()
                        .map(|b| (b, true))
                        .chain(self.unbooked.iter().map(|b| (b, false)))
                        .filter(|(b, _)| monday(b.day) == week)
                    {
                        self.tally.checked += 1;
                        let shown = page.contains(&format!("id=\"booking-{}\"", b.id));
                        if shown != kept {
                            self.tally.readback_failures.push(format!(
                                "{user}: booking {} {}",
                                b.id,
                                if kept {
                                    "is missing"
                                } else {
                                    "was cancelled but is shown"
                                }
                            ));
                        }
                    }
                }
            }
        }
    }
}

/// The first day of the month `months` after `d`'s.
fn months_after(d: NaiveDate, months: u32) -> NaiveDate {
    let m0 = d.year() * 12 + d.month0() as i32 + months as i32;
    NaiveDate::from_ymd_opt(m0.div_euclid(12), m0.rem_euclid(12) as u32 + 1, 1).unwrap_or(d)
}

/// Runs the load: logs every client in, runs them for the time, reads their writes back.
pub async fn run(cfg: &Config) -> Result<Report, Error> {
    if cfg.clients == 0 {
        return Err(Error::Config("no clients: give --clients 1 or more".into()));
    }
    if cfg.write_percent > 100 {
        return Err(Error::Config(format!(
            "--write-percent {} is more than 100: give a percentage from 0 to 100",
            cfg.write_percent
        )));
    }
    let today = chrono::Local::now().date_naive();
    // Coordinators' months start two years ahead; secretariats' blocks a year ahead, on a
    // Monday. Neither is a month or week the pages show by default.
    let first_month = months_after(today, 24);
    let year_ahead = today + chrono::Duration::days(365);
    let first_block =
        year_ahead - chrono::Duration::days(i64::from(year_ahead.weekday().num_days_from_monday()));
    let mut clients = Vec::with_capacity(cfg.clients);
    for account in accounts(&cfg.prefix, cfg.clients) {
        let month_start = months_after(first_month, account.slot);
        let block_start =
            first_block + chrono::Duration::days(i64::from(account.slot * BLOCK_DAYS));
        clients.push(Client {
            http: Http::new(&cfg.base, cfg.timeout)?,
            csrf: String::new(),
            rng: ChaCha8Rng::seed_from_u64(cfg.seed.wrapping_add(account.index as u64)),
            doctors: Vec::new(),
            facilities: Vec::new(),
            month: month_start.format("%Y-%m").to_string(),
            month_start,
            open: Vec::new(),
            cancelled: Vec::new(),
            equipment: Vec::new(),
            block_start,
            booked: Vec::new(),
            unbooked: Vec::new(),
            writes: 0,
            created: 0,
            tally: Tally::default(),
            account,
        });
    }

    // Logging in: everyone at once, before the clock starts.
    let t0 = Instant::now();
    let password: Arc<str> = cfg.password.as_str().into();
    let mut logins = Vec::new();
    for mut c in clients {
        let pw = password.clone();
        logins.push(tokio::spawn(async move {
            let r = c.log_in(&pw).await;
            (c, r)
        }));
    }
    let mut ready = Vec::new();
    let mut done = Vec::new();
    let mut join_errors = 0u64;
    for h in logins {
        match h.await {
            Ok((c, Ok(()))) => ready.push(c),
            Ok((mut c, Err(e))) => {
                c.tally.other(format!("logging in: {e}"));
                done.push(c);
            }
            Err(_) => join_errors += 1,
        }
    }
    let login_time = t0.elapsed();
    let logged_in = ready.len();

    // The load: closed loop, each client's next request when the previous one is answered.
    let start = Instant::now();
    let deadline = start + cfg.duration;
    let (p, min_writes) = (f64::from(cfg.write_percent) / 100.0, cfg.min_writes);
    let mut running = Vec::new();
    for mut c in ready {
        running.push(tokio::spawn(async move {
            while Instant::now() < deadline || c.writes < min_writes {
                let write =
                    c.writes < min_writes && Instant::now() >= deadline || c.rng.random_bool(p);
                if write {
                    c.write().await;
                } else {
                    c.read().await;
                }
            }
            c
        }));
    }
    let mut finished = Vec::new();
    for h in running {
        match h.await {
            Ok(c) => finished.push(c),
            Err(_) => join_errors += 1,
        }
    }
    let elapsed = start.elapsed();

    // Reading back, everyone at once again.
    let mut checks = Vec::new();
    for mut c in finished {
        checks.push(tokio::spawn(async move {
            c.read_back().await;
            c
        }));
    }
    for h in checks {
        match h.await {
            Ok(c) => done.push(c),
            Err(_) => join_errors += 1,
        }
    }

    let mut report = Report {
        clients: cfg.clients,
        duration: cfg.duration,
        elapsed,
        logged_in,
        login_time,
        reads: Latencies::default(),
        writes: Latencies::default(),
        errors: BTreeMap::new(),
        checked: 0,
        readback_failures: 0,
        readback_examples: Vec::new(),
        other_errors: BTreeMap::new(),
    };
    let (mut reads, mut writes) = (Vec::new(), Vec::new());
    for c in done {
        let t = c.tally;
        reads.extend(t.reads);
        writes.extend(t.writes);
        for (k, v) in t.errors {
            *report.errors.entry(k).or_default() += v;
        }
        for (k, v) in t.other_errors {
            *report.other_errors.entry(k).or_default() += v;
        }
        report.checked += t.checked;
        report.readback_failures += t.readback_failures.len() as u64;
        for f in t.readback_failures {
            if report.readback_examples.len() < 20 {
                report.readback_examples.push(f);
            }
        }
    }
    if join_errors > 0 {
        report
            .other_errors
            .insert("a client's task failed (panicked)".into(), join_errors);
    }
    reads.sort_unstable();
    writes.sort_unstable();
    report.reads = Latencies(reads);
    report.writes = Latencies(writes);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fourth_client_is_a_secretariat_and_slots_are_unique_per_role() {
        let a = accounts("load", 9);
        let roles: Vec<_> = a.iter().map(|a| a.role).collect();
        assert_eq!(roles[3], Role::Secretariat);
        assert_eq!(roles[7], Role::Secretariat);
        assert_eq!(roles.iter().filter(|r| **r == Role::Secretariat).count(), 2);
        let coord: Vec<u32> = a
            .iter()
            .filter(|a| a.role == Role::Coordinator)
            .map(|a| a.slot)
            .collect();
        assert_eq!(coord, vec![0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(a[8].username, "load-008");
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let l = Latencies((1..=100).map(|i| i * 1000).collect());
        assert_eq!(l.percentile(50.0), Some(Duration::from_millis(50)));
        assert_eq!(l.percentile(99.0), Some(Duration::from_millis(99)));
        assert_eq!(l.max(), Some(Duration::from_millis(100)));
        assert_eq!(Latencies::default().percentile(99.0), None);
    }

    #[test]
    fn a_request_id_is_found_by_its_note_and_not_by_a_longer_one() {
        let page = r#"<tr><th scope="row">12</th><td>釜石<div class="sub">釜石 · loadgen a n1</div></td></tr><tr><th scope="row">13</th><td>釜石<div class="sub">釜石 · loadgen a n11</div></td></tr>"#;
        assert_eq!(request_id(page, "loadgen a n1"), Some(12));
        assert_eq!(request_id(page, "loadgen a n11"), Some(13));
        assert_eq!(request_id(page, "loadgen a n2"), None);
    }

    #[test]
    fn the_months_after_a_day_roll_over_years() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(
            months_after(d, 2),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert_eq!(
            months_after(d, 0),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
    }

    #[test]
    fn csrf_and_options_are_read_from_forms() {
        let html = r#"<input type="hidden" name="csrf" value="abc"><select name="equipment" required><option value="1" >X</option><option value="2" >Y</option></select>"#;
        assert_eq!(csrf_of(html).as_deref(), Some("abc"));
        assert_eq!(options_of(html, "equipment"), vec!["1", "2"]);
        assert_eq!(csrf_of("<p>no form</p>"), None);
    }
}
