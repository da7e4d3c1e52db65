//! The console in a real browser: headless Chromium driven over WebDriver (chromedriver) against
//! a real `medbill serve` on loopback. Signs in as each role, registers a patient, codes an
//! encounter end to end (code search, a finding appears, fix it, sign off, create the claim),
//! accessions, scans and receives a specimen, checks that front desk cannot reach billing and
//! that a form posted without its CSRF token is refused; matches an unmatched 835 payment by
//! hand from the keyboard, opens the remittance, runs statements and edits a patient.
//! Screenshots go to docs/console/.
//!
//! SQLite only: the browser run takes most of a minute, and the console's storage paths are
//! the API's, which tests/it/console.rs covers on both backends. Skipped (with a message)
//! when chromedriver is not installed, except in CI.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::claims_fx::{address_billing, temp_dir};
use crate::common::fixtures::{fixture, id_of, visit};
use crate::common::TestApp;
use crate::console_support::{user, PASSWORD};
use crate::graceful_stop::{free_port, spawn_serve, terminate};
use medbill::auth::roles::Role;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver session (W3C protocol over HTTP).
struct Driver {
    agent: ureq::Agent,
    base: String,
    session: String,
    site: String,
    driver: Child,
}

impl Driver {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let res = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, b) => self
                .agent
                .post(&url)
                .header("content-type", "application/json")
                .send(b.unwrap_or(json!({})).to_string()),
        };
        let mut res = res.unwrap();
        let text = res.body_mut().read_to_string().unwrap();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        v["value"].clone()
    }

    fn s(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    fn goto(&self, path: &str) {
        self.call(
            "POST",
            &self.s("/url"),
            Some(json!({"url": format!("{}{path}", self.site)})),
        );
    }

    fn try_find(&self, css: &str) -> Option<String> {
        let v = self.call(
            "POST",
            &self.s("/element"),
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().map(str::to_string)
    }

    /// Waits up to 10 s for `css` to appear.
    fn find(&self, css: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(e) = self.try_find(css) {
                return e;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no {css} in:\n{}",
                self.source()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn typ(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call(
            "POST",
            &self.s(&format!("/element/{e}/clear")),
            Some(json!({})),
        );
        self.call(
            "POST",
            &self.s(&format!("/element/{e}/value")),
            Some(json!({"text": text})),
        );
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.call(
            "POST",
            &self.s(&format!("/element/{e}/click")),
            Some(json!({})),
        );
    }

    /// Clicks a form's submit button and waits for the page the post leads to (the old
    /// page's body goes stale), so the next step does not act on the page being replaced.
    fn submit(&self, css: &str) {
        let old = self.find("body");
        self.click(css);
        let start = Instant::now();
        while self.try_find("body").is_none_or(|b| b == old) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{css}: no new page"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn source(&self) -> String {
        self.call("GET", &self.s("/source"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn text_of(&self, css: &str) -> String {
        let e = self.find(css);
        self.call("GET", &self.s(&format!("/element/{e}/text")), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn script(&self, js: &str) -> Value {
        self.call(
            "POST",
            &self.s("/execute/async"),
            Some(json!({"script": js, "args": []})),
        )
    }

    /// Saves a screenshot as docs/console/NAME.png.
    fn shot(&self, name: &str) {
        use base64::Engine;
        let b64 = self.call("GET", &self.s("/screenshot"), None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/console");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    fn sign_in(&self, username: &str) {
        self.goto("/app/login");
        self.typ("#username", username);
        self.typ("#password", PASSWORD);
        self.click("#sign-in");
        self.find("#sign-out");
    }

    fn sign_out(&self) {
        self.goto("/app/");
        self.click("#sign-out");
        self.find("#sign-in");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(&format!("{}/session/{}", self.base, self.session))
            .call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn start_driver(site: String) -> Option<Driver> {
    if Command::new("chromedriver")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install chromium-driver"
        );
        eprintln!("skipped: chromedriver is not installed");
        return None;
    }
    let port = free_port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let base = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while agent.get(&format!("{base}/status")).call().is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome",
        "goog:chromeOptions": {"binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,800"]}}}});
    let mut res = agent
        .post(&format!("{base}/session"))
        .header("content-type", "application/json")
        .send(caps.to_string())
        .unwrap();
    let v: Value = serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap();
    let session = v["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .to_string();
    Some(Driver {
        agent,
        base,
        session,
        site,
        driver,
    })
}

#[actix_web::test]
async fn the_console_works_in_a_browser() {
    let app = TestApp::sqlite();
    let fx = fixture(&app, "B-1").await;
    address_billing(&app, &fx).await;
    let enc = id_of(
        &app.post("/v1/encounters", Role::FrontDesk, &visit(&fx))
            .await,
    );
    // An 835 paying a submitted claim under a patient control number nobody knows (the
    // unmatched queue, matched by hand below), with a PLB interest line.
    let paid = crate::remittance::submitted_claim(&app, &fx).await;
    let lost = crate::remittance::era(
        901,
        "EFT901",
        "81.5",
        "CLP*LOSTPCN*1*175*80*20*12*PAYERL*11*1
        NM1*QC*1*DOE*JANE****MI*M1
        SVC*HC:99213:25*125*80**1
        CAS*CO*45*25
        CAS*PR*2*20
        SVC*HC:93000*50*0**1
        CAS*CO*97*50
        PLB*1234567893*20261231*L6:INT1*-1.5",
    );
    let r = crate::remittance::import(&app, &lost, Role::Billing).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (desk, billing, lab, admin) = (
        user(&app, Role::FrontDesk),
        user(&app, Role::Billing),
        user(&app, Role::Lab),
        user(&app, Role::Admin),
    );
    let port = free_port();
    let data = temp_dir("console-browser");
    let mut server = spawn_serve(&app, port, &data, &["--no-worker"]);
    let Some(d) = start_driver(format!("http://127.0.0.1:{port}")) else {
        terminate(&mut server);
        return;
    };

    // Front desk: register a patient; billing screens are refused; a form without its CSRF
    // token is refused.
    d.sign_in(&desk);
    d.goto("/app/patients");
    d.typ("#mrn", "BR-42");
    d.typ("#first_name", "Grace");
    d.typ("#last_name", "Hopper");
    d.script("document.getElementById('birth_date').value='1976-12-09'; arguments[0]();");
    d.submit("#register");
    assert_eq!(d.text_of("#patient-mrn"), "BR-42");
    d.shot("front-desk-patient");
    // Open a visit for the fixture patient with providers and coverage from the lists.
    d.goto(&format!("/app/patients/{}", fx.patient));
    d.script(
        "for (const id of ['rendering_provider_id','billing_provider_id','coverage_id']) \
         { document.getElementById(id).selectedIndex = 1; } arguments[0]();",
    );
    d.submit("#open-visit");
    assert_eq!(d.text_of(".notice"), "Visit opened");
    d.find("#visits");
    d.goto("/app/encounters");
    assert!(d.text_of("#problem").contains("front_desk role may not"));
    let status = d.script(
        "fetch('/app/patients',{method:'POST',headers:{'content-type':'application/x-www-form-urlencoded'},\
         body:'mrn=BR-43&first_name=A&last_name=B&birth_date=1980-01-01&sex=F'}).then(r=>arguments[0](r.status));",
    );
    assert_eq!(status, json!(403));
    d.sign_out();

    // Billing: code the encounter end to end.
    d.sign_in(&billing);
    d.goto("/app/encounters");
    d.shot("billing-queue");
    d.goto(&format!("/app/encounters/{enc}"));
    d.typ("#dx-code", "hypertens");
    d.find("#dx-options option[value='I10']");
    d.typ("#dx-code", "E11");
    d.submit("#add-diagnosis");
    d.find(".finding-error");
    d.shot("coding-finding");
    d.submit("#diagnoses button");
    d.typ("#dx-code", "I10");
    d.submit("#add-diagnosis");
    d.typ("#line-code", "99213");
    d.typ("#line-charge", "12500");
    d.submit("#add-line");
    // The page reloads after the form post: wait for the new line before judging findings.
    d.find("#lines tbody tr");
    d.find("#sign-off");
    let start = Instant::now();
    while d.try_find(".finding-error").is_some() {
        assert!(start.elapsed() < Duration::from_secs(10), "{}", d.source());
        std::thread::sleep(Duration::from_millis(100));
    }
    d.shot("coding-clean");
    d.submit("#sign-off");
    d.submit("#create-claim");
    assert!(d.text_of("#x12-preview").contains("CLM*"));
    d.shot("claim");
    d.sign_out();

    // Lab: accession, scan (the scanner types the number and Enter), receive.
    d.sign_in(&lab);
    d.goto(&format!("/app/specimens?patient_id={}", fx.patient));
    d.typ("#tests", "80053");
    d.typ("#collected_by", "J. Phleb");
    d.submit("#accession-submit");
    d.find("#label-png");
    let title = d.text_of("h1");
    let accession = title.trim_start_matches("Specimen ").to_string();
    d.shot("specimen");
    d.goto("/app/specimens");
    d.typ("#accession", &format!("{accession}\u{E007}"));
    d.submit("#receive");
    assert_eq!(d.text_of("#specimen-status"), "received");
    d.goto("/app/specimens");
    d.shot("specimen-log");
    d.sign_out();

    // Admin sees every screen.
    d.sign_in(&admin);
    for path in ["/app/receivables", "/app/claims"] {
        d.goto(path);
        d.find("#sign-out");
    }
    d.shot("receivables");
    // The unmatched payment, matched by hand from the keyboard (claim id, then Enter).
    d.goto("/app/remittances/unmatched");
    d.find("form[id^='match-']");
    d.shot("unmatched");
    d.typ("input[name='claim_id']", &format!("{paid}\u{E007}"));
    assert!(d.text_of(".notice").starts_with("Matched and posted"));
    d.find("#no-unmatched");
    d.goto("/app/remittances");
    d.shot("remittances");
    d.click("#remittances a");
    assert_eq!(d.text_of("#remit-status"), "posted");
    d.find("#plb");
    d.shot("remittance");
    // The statement run and a patient edit.
    d.goto("/app/statements/run");
    d.submit("#run-statements");
    d.find("#run-result");
    d.shot("statement-run");
    d.goto(&format!("/app/patients/{}/edit", fx.patient));
    d.typ("#f-phone", "5185550123");
    d.shot("patient-edit");
    d.submit("#save");
    assert_eq!(d.text_of(".notice"), "Patient saved");
    drop(d);
    terminate(&mut server);
}
