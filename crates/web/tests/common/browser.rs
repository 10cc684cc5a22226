//! The browser harness the browser tests share: a server on port 0 with the demo loaded on
//! SQLite, and headless Chromium driven over WebDriver (see `tests/browser.rs`).
#![allow(dead_code)]

use std::future::Future;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chiiki_domain::{DoctorId, Name, Role};
use chiiki_store::{DoctorFilter, Paging, testing};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

pub const PASSWORD: &str = "correct horse battery staple";

/// How long any page or element may take to appear.
pub const WAIT: Duration = Duration::from_secs(10);

/// Headless, no sandbox (we run as root in CI), and no traffic beyond loopback.
pub const DEFAULT_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
];

/// The window of the desktop screenshots; [`PHONE`] is an iPhone 12–15 sized viewport.
pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);

// ---------------------------------------------------------------------------------------
// The application under test

pub struct App {
    pub base: String,
    pub t: testing::TestStore,
}

impl App {
    /// A server with the demo and five accounts: `iwate` (coordinator of Iwate), `doctor`
    /// (the doctor DEMO-2018-001), `auditor` (of Iwate), `admin` and `tokatsu` (the
    /// secretariat of the demo's alliance, 12-TOKATSU-NANBU).
    pub async fn start() -> App {
        let t = testing::sqlite().await;
        chiiki_app::load_demo(t.store()).await.expect("demo loads");
        account(&t, "iwate", Role::Coordinator, Some(3), None).await;
        account(&t, "doctor", Role::Doctor, Some(3), Some("DEMO-2018-001")).await;
        account(&t, "auditor", Role::Auditor, Some(3), None).await;
        account(&t, "admin", Role::Admin, None, None).await;
        account(&t, "tokatsu", Role::Secretariat, Some(12), None).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let store = t.shared();
        // The rotation planner's short search: seconds, not a minute.
        let options = chiiki_web::Options {
            rotation_effort: chiiki_app::rotation::Effort::quick(),
            dispatch_limit: Some(std::time::Duration::from_millis(500)),
            behind_proxy: false,
        };
        tokio::spawn(async move {
            chiiki_web::serve_with(listener, store, options)
                .await
                .unwrap()
        });
        App {
            base: format!("http://{addr}"),
            t,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A doctor's name as the register holds it.
    pub async fn doctor_name(&self, id: &str) -> String {
        let page = self
            .t
            .store()
            .list_doctors(&DoctorFilter {
                id: Some(DoctorId::parse(id).unwrap()),
                paging: Paging {
                    limit: Some(1),
                    offset: 0,
                },
                ..Default::default()
            })
            .await
            .unwrap();
        page.items[0].name.as_str().to_string()
    }
}

/// An account's display name (NFKC turns the full-width brackets into ASCII ones).
pub fn display_name(user: &str) -> Name {
    Name::parse(&format!("{user}（架空）")).unwrap()
}

pub async fn account(
    t: &testing::TestStore,
    user: &str,
    role: Role,
    pref: Option<u8>,
    doctor: Option<&str>,
) {
    super::web::account(t, user, role, pref, None, doctor).await;
}

// ---------------------------------------------------------------------------------------
// The browser

/// chromedriver (in its own process group, with the Chromium it starts) and a temporary
/// profile. Dropping it — also when a test panics — kills the group and removes the profile.
pub struct Driver {
    pub child: Child,
    pub dir: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.path().join("chromedriver.log"))
                .unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            eprintln!("--- chromedriver.log (last lines) ---");
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
        // The negative id is the process group: chromedriver and every Chromium process.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Browser {
    pub c: Client,
    pub _driver: Driver,
}

pub fn find_program(env: &str, default: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    if Path::new(default).is_file() {
        return Some(default.into());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

impl Browser {
    /// Starts chromedriver and a Chromium session, or `None` (after saying why) when they
    /// are not installed and `CHIIKI_REQUIRE_BROWSER` is not `1`.
    pub async fn start() -> Option<Browser> {
        let chromium = find_program("CHIIKI_CHROMIUM", "/usr/bin/chromium", "chromium");
        let driver = find_program(
            "CHIIKI_CHROMEDRIVER",
            "/usr/bin/chromedriver",
            "chromedriver",
        );
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            let why = "Chromium or chromedriver not found (CHIIKI_CHROMIUM, CHIIKI_CHROMEDRIVER, \
                       /usr/bin/chromium, /usr/bin/chromedriver)";
            if std::env::var("CHIIKI_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("{why}, and CHIIKI_REQUIRE_BROWSER=1");
            }
            eprintln!("skipping the browser test: {why}; apt-get install chromium chromium-driver");
            return None;
        };

        let dir = tempfile::Builder::new()
            .prefix("chiiki-browser.")
            .tempdir()
            .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                dir.path().join("chromedriver.log").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", driver.display()));
        let guard = Driver { child, dir };

        // chromedriver is ready once it accepts connections.
        let started = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < WAIT,
                "chromedriver did not listen on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let mut args: Vec<String> = match std::env::var("CHIIKI_CHROMIUM_FLAGS") {
            Ok(flags) if !flags.trim().is_empty() => {
                flags.split_whitespace().map(String::from).collect()
            }
            _ => DEFAULT_FLAGS.iter().map(|f| f.to_string()).collect(),
        };
        args.push(format!(
            "--user-data-dir={}",
            guard.dir.path().join("profile").display()
        ));
        args.push(format!("--window-size={},{}", DESKTOP.0, DESKTOP.1));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": chromium, "args": args }),
        );
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("a Chromium session through chromedriver: {e}"));
        Some(Browser { c, _driver: guard })
    }

    /// Ends the session (chromedriver closes Chromium); the guard then stops chromedriver.
    pub async fn close(self) {
        let Browser { c, _driver } = self;
        let _ = c.close().await;
    }

    pub async fn goto(&self, url: &str) {
        self.c
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("opening {url}: {e}"));
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        match self
            .c
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no `{css}` on {}: {e}", self.here().await),
        }
    }

    /// Every element matching `css` now (possibly none).
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.c.find_all(Locator::Css(css)).await.unwrap()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// The texts of the elements matching `css`.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.all(css).await {
            out.push(e.text().await.unwrap());
        }
        out
    }

    pub async fn here(&self) -> String {
        self.c
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// Waits until `check` gives a value, trying again every 100 ms for [`WAIT`]; reads
    /// that fail while a page is being replaced count as "not yet".
    pub async fn until<T, F, Fut>(&self, what: &str, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let started = Instant::now();
        loop {
            if let Some(v) = check().await {
                return v;
            }
            assert!(
                started.elapsed() < WAIT,
                "timed out waiting for {what} (at {})",
                self.here().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's path is `path`; returns its query string.
    pub async fn wait_for_path(&self, path: &str) -> String {
        self.until(&format!("the path {path}"), || async move {
            let u = self.c.current_url().await.ok()?;
            (u.path() == path).then(|| u.query().unwrap_or("").to_string())
        })
        .await
    }

    /// Waits until an element matching `css` shows `needle`; returns its text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        self.until(&format!("`{needle}` in `{css}`"), || async move {
            for e in self.c.find_all(Locator::Css(css)).await.ok()? {
                let text = e.text().await.ok()?;
                if text.contains(needle) {
                    return Some(text);
                }
            }
            None
        })
        .await
    }

    /// Waits until the page's path is `path` and its query string contains `needle`.
    pub async fn wait_for_query(&self, path: &str, needle: &str) {
        self.until(&format!("{path}?…{needle}…"), || async move {
            let u = self.c.current_url().await.ok()?;
            (u.path() == path && u.query().unwrap_or("").contains(needle)).then_some(())
        })
        .await
    }

    /// Waits until the element matching `css` has `name="value"`.
    pub async fn wait_for_attr(&self, css: &str, name: &str, value: &str) {
        self.until(&format!("`{css}` with {name}={value:?}"), || async move {
            let e = self.c.find(Locator::Css(css)).await.ok()?;
            (e.attr(name).await.ok()?.as_deref() == Some(value)).then_some(())
        })
        .await
    }

    /// An attribute of the element matching `css`.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.attr(name).await.unwrap()
    }

    /// The current value of the form control matching `css`.
    pub async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// Chooses the option with `value` in the select matching `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choosing {value:?} in `{css}`: {e}"));
    }

    /// The cells of each row of the table matching `css`, as texts.
    pub async fn cells(&self, css: &str) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for row in self.all(&format!("{css} tbody tr")).await {
            let mut cells = Vec::new();
            for td in row.find_all(Locator::Css("td")).await.unwrap() {
                cells.push(td.text().await.unwrap());
            }
            out.push(cells);
        }
        out
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking `{css}`: {e}"));
    }

    /// Fills in and submits the login form of the current page.
    pub async fn submit_login(&self, user: &str, password: &str) {
        self.type_into("form[action='/login'] input[name=username]", user)
            .await;
        self.type_into("form[action='/login'] input[name=password]", password)
            .await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
    }

    /// Logs in through the login page and waits to land on `/`.
    pub async fn log_in(&self, app: &App, user: &str) {
        self.goto(&app.url("/login")).await;
        self.submit_login(user, PASSWORD).await;
        // Home is `/`, or a secretariat's alliance page.
        self.until("leaving the login page", || async move {
            let u = self.c.current_url().await.ok()?;
            (u.path() != "/login").then_some(())
        })
        .await;
        self.wait_for_text("header.site .user", display_name(user).as_str())
            .await;
    }

    pub async fn log_out(&self) {
        self.click("header.site form[action='/logout'] button[type=submit]")
            .await;
        self.wait_for_path("/login").await;
    }

    /// Saves a PNG of the viewport as `<name>.png` in the screenshot directory.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.c.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
        path
    }

    pub async fn resize(&self, (w, h): (u32, u32)) {
        self.c.set_window_size(w, h).await.unwrap();
    }

    /// The innermost elements that reach past the right edge of the viewport, to say
    /// what makes a page scroll sideways.
    pub async fn sticking_out(&self) -> String {
        let v = self
            .c
            .execute(
                "const w = document.documentElement.clientWidth; \
                 const out = e => e.getBoundingClientRect().right > w \
                   && (!e.parentElement.closest('.table-wrap') \
                     || ['absolute', 'fixed'].includes(getComputedStyle(e).position)); \
                 return [...document.body.querySelectorAll('*')] \
                   .filter(e => out(e) && ![...e.children].some(out)) \
                   .slice(0, 5) \
                   .map(e => `<${e.tagName.toLowerCase()} class=\"${e.className}\"> \
                     right ${Math.round(e.getBoundingClientRect().right)}px`).join(', ');",
                vec![],
            )
            .await
            .unwrap();
        v.as_str().unwrap_or_default().to_string()
    }

    /// Scrolls the first element matching `css` to the middle of the viewport.
    pub async fn scroll_to(&self, css: &str) {
        let e = self.find(css).await;
        self.c
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![serde_json::to_value(e).unwrap()],
            )
            .await
            .unwrap();
    }

    /// Saves `<name>-phone.png` of the current page at phone size, scrolled to `at` if
    /// given, and checks that the page does not scroll sideways there (wide tables scroll
    /// inside their `.table-wrap`) and that the header leaves room for the page; then back
    /// to the desktop size.
    pub async fn phone_screenshot(&self, name: &str, at: Option<&str>) {
        self.resize(PHONE).await;
        let (viewport, page) = self.widths().await;
        if let Some(css) = at {
            self.scroll_to(css).await;
        }
        self.screenshot(&format!("{name}-phone")).await;
        assert!(
            page <= viewport,
            "{} scrolls sideways on a phone: {page}px in a {viewport}px viewport; \
             sticking out: {}",
            self.here().await,
            self.sticking_out().await
        );
        let header = self.find("header.site").await.rectangle().await.unwrap().3;
        eprintln!("header: {header}px on a phone at {}", self.here().await);
        assert!(
            header <= 120.0,
            "the header takes {header}px of a phone's screen on {}",
            self.here().await
        );
        self.resize(DESKTOP).await;
    }

    /// The layout viewport's width and the page's scroll width (wider means the page
    /// scrolls sideways).
    pub async fn widths(&self) -> (u64, u64) {
        let v = self
            .c
            .execute(
                "return [window.innerWidth, document.documentElement.scrollWidth];",
                vec![],
            )
            .await
            .unwrap();
        (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
    }
}

/// `browser-screenshots/` in the cargo target directory.
pub fn screenshot_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("browser-screenshots")
}

/// The rows of the main table (the list or the timeline), as the text of each row.
pub const ROWS: &str = "main table tbody tr";
