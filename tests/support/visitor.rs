//! A browser without JavaScript, for the dashboard's pages: real HTTP,
//! the session cookie carried by hand, plain form posts, no redirects
//! followed.

use std::time::Duration;

use super::admin::TestAdmin;

/// A cookie-keeping HTTP client that does not follow redirects.
pub struct Visitor<'a> {
    admin: &'a TestAdmin,
    pub cookie: Option<String>,
    client: awc::Client,
}

pub struct Page {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub set_cookie: Option<String>,
}

impl<'a> Visitor<'a> {
    pub fn new(admin: &'a TestAdmin) -> Self {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .disable_redirects()
            .finish();
        Self {
            admin,
            cookie: None,
            client,
        }
    }

    async fn read<S>(
        &mut self,
        response: Result<awc::ClientResponse<S>, awc::error::SendRequestError>,
    ) -> Page
    where
        S: futures_util::Stream<
                Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>,
            > + Unpin,
    {
        let mut response = response.expect("dashboard answered");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header("location");
        let set_cookie = header("set-cookie");
        if let Some(set) = &set_cookie {
            // Keep just `name=value`; an expired cookie clears the session.
            let pair = set.split(';').next().unwrap_or("").to_owned();
            self.cookie = if set.contains("Max-Age=0") || pair.ends_with('=') {
                None
            } else {
                Some(pair)
            };
        }
        let body = response.body().limit(4 << 20).await.expect("body");
        Page {
            status: response.status().as_u16(),
            body: String::from_utf8_lossy(&body).into_owned(),
            location,
            set_cookie,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let mut request = self.client.get(self.admin.url(path));
        if let Some(cookie) = &self.cookie {
            request = request.insert_header(("cookie", cookie.as_str()));
        }
        let sent = request.send().await;
        self.read(sent).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let mut request = self.client.post(self.admin.url(path));
        if let Some(cookie) = &self.cookie {
            request = request.insert_header(("cookie", cookie.as_str()));
        }
        let sent = request.send_form(&form).await;
        self.read(sent).await
    }

    /// The CSRF token of the last page's forms.
    pub fn csrf(page: &Page) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = page.body.find(marker).expect("a form with a CSRF token") + marker.len();
        page.body[start..].split('"').next().unwrap().to_owned()
    }

    /// Logs in with the admin token.
    pub async fn log_in(&mut self) {
        let token = self.admin.admin_token.clone();
        self.log_in_with(&token).await;
    }

    /// Logs in with `token` (a user's or the admin's) through the form.
    pub async fn log_in_with(&mut self, token: &str) {
        let login = self.get("/login").await;
        let csrf = Self::csrf(&login);
        let done = self
            .post("/login", &[("csrf_token", &csrf), ("token", token)])
            .await;
        assert_eq!(done.status, 303);
        assert_eq!(done.location.as_deref(), Some("/"));
    }
}
