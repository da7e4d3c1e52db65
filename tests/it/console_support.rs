//! Helpers of the console tests: users with passwords, and a cookie-carrying client of the
//! in-process app (sign-in, CSRF fields, form posts).
#![allow(dead_code, clippy::unwrap_used)]

use actix_web::test::TestRequest;
use diesel::prelude::*;

use crate::common::{Resp, TestApp};
use medbill::auth::roles::Role;
use medbill::db::schema::users;
use medbill::db::types::Timestamp;

/// The password of every console test user.
pub const PASSWORD: &str = "correct horse battery staple";

/// Makes a user in `role` with [`PASSWORD`]; returns the username.
pub fn user(app: &TestApp, role: Role) -> String {
    let id = medbill::auth::accounts::UserId::new();
    let name = format!("{}-{}", role.as_str(), &id.0.simple().to_string()[..8]);
    let now = Timestamp::now();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(id),
            users::username.eq(&name),
            users::password_hash.eq(medbill::auth::password::hash_secret(PASSWORD).unwrap()),
            users::role.eq(role.as_str()),
            users::active.eq(true),
            users::version.eq(1),
            users::created_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    name
}

/// The value of cookie `name` set by `r`, if any.
pub fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers.get_all("set-cookie").find_map(|v| {
        let s = v.to_str().ok()?;
        let (pair, _) = s.split_once(';').unwrap_or((s, ""));
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// The whole Set-Cookie header of cookie `name`.
pub fn set_cookie_header(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .find(|s| s.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// The first hidden `csrf` field of an HTML page.
pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// The body as text.
pub fn text(r: &Resp) -> String {
    String::from_utf8_lossy(&r.raw).into_owned()
}

/// A signed-in browser: its session cookie and CSRF token.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub session: String,
    pub csrf: String,
}

/// Signs `username` in through the form; panics unless it works.
pub async fn sign_in<'a>(app: &'a TestApp, username: &str) -> Browser<'a> {
    let page = app.send(TestRequest::get().uri("/app/login")).await;
    assert_eq!(page.status, 200);
    let login_cookie = set_cookie(&page, "medbill_login").unwrap();
    let token = csrf_of(&text(&page));
    let r = app
        .send(
            TestRequest::post()
                .uri("/app/login")
                .insert_header(("cookie", format!("medbill_login={login_cookie}")))
                .set_form([
                    ("csrf", token.as_str()),
                    ("username", username),
                    ("password", PASSWORD),
                ]),
        )
        .await;
    assert_eq!(r.status, 303, "{}", text(&r));
    let session = set_cookie(&r, "medbill_session").unwrap();
    let mut b = Browser {
        app,
        session,
        csrf: String::new(),
    };
    let home = b.get("/app/").await;
    assert_eq!(home.status, 200);
    b.csrf = csrf_of(&text(&home));
    assert!(!b.csrf.is_empty());
    b
}

impl Browser<'_> {
    /// GET with the session cookie.
    pub async fn get(&self, path: &str) -> Resp {
        self.app
            .send(
                TestRequest::get()
                    .uri(path)
                    .insert_header(("cookie", format!("medbill_session={}", self.session))),
            )
            .await
    }

    /// POST a form with the session cookie and the CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// POST exactly these fields (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.app
            .send(
                TestRequest::post()
                    .uri(path)
                    .insert_header(("cookie", format!("medbill_session={}", self.session)))
                    .set_form(fields),
            )
            .await
    }
}

/// The Location header.
pub fn location(r: &Resp) -> String {
    r.header("location").unwrap_or_default()
}
