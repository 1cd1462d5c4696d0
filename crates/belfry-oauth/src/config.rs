//! `belfry.toml`: which OAuth clients and endpoints Belfry uses. Defaults are the real
//! providers; an organisation can register its own clients, and tests point everything at
//! local servers. `BELFRY_CONFIG` names the file; otherwise it is `belfry.toml` in the
//! platform's config directory (`~/.config/belfry/belfry.toml` on Linux).

use std::path::PathBuf;

use serde::Deserialize;

use crate::OAuthError;

/// The environment variable naming the config file.
pub const CONFIG_ENV: &str = "BELFRY_CONFIG";

/// The OAuth providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// Google Calendar.
    Google,
    /// Microsoft 365, through Microsoft Graph.
    Microsoft,
}

impl ProviderKind {
    /// `google` / `microsoft`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Google => "google",
            ProviderKind::Microsoft => "microsoft",
        }
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::Google => "Google",
            ProviderKind::Microsoft => "Microsoft 365",
        }
    }

    /// A redirect path per provider: an answer meant for one cannot complete the other's
    /// sign-in (mix-up defence).
    pub fn callback_path(self) -> &'static str {
        match self {
            ProviderKind::Google => "/callback/google",
            ProviderKind::Microsoft => "/callback/microsoft",
        }
    }

    pub(crate) fn extra_auth_params(self) -> &'static [(&'static str, &'static str)] {
        match self {
            // Google issues a refresh token only for offline access, and again only on consent.
            ProviderKind::Google => &[("access_type", "offline"), ("prompt", "consent")],
            ProviderKind::Microsoft => &[("prompt", "select_account")],
        }
    }
}

/// One provider's client and endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// Which provider this is.
    pub kind: ProviderKind,
    /// The OAuth client ID; empty until one is configured.
    pub client_id: String,
    /// Google desktop clients have one (not confidential, but required); Microsoft public
    /// clients do not.
    pub client_secret: Option<String>,
    /// The authorization endpoint, opened in the browser.
    pub auth_url: String,
    /// The token endpoint: codes and refresh tokens are exchanged here.
    pub token_url: String,
    /// The revocation endpoint (RFC 7009), when the provider has one.
    pub revoke_url: Option<String>,
    /// The OpenID Connect userinfo endpoint: asked who signed in when the ID token does
    /// not say.
    pub userinfo_url: Option<String>,
    /// The calendar API.
    pub api_base: String,
    /// The least that creating events needs, plus the identity of who signed in.
    pub scopes: Vec<String>,
}

impl ProviderConfig {
    /// Every endpoint is an `https` URL, or `http` to this machine only (a local test
    /// server): tokens and the calendar travel over these. The error names the setting.
    fn check_endpoints(&self) -> Result<(), String> {
        let endpoints = [
            ("auth_url", Some(&self.auth_url)),
            ("token_url", Some(&self.token_url)),
            ("revoke_url", self.revoke_url.as_ref()),
            ("userinfo_url", self.userinfo_url.as_ref()),
            ("api_base", Some(&self.api_base)),
        ];
        for (field, value) in endpoints {
            if let Some(value) = value {
                check_endpoint(value).map_err(|why| {
                    format!(
                        "providers.{}.{field} = \"{value}\" {why}",
                        self.kind.as_str()
                    )
                })?;
            }
        }
        Ok(())
    }
}

/// Whether `value` may be an endpoint; if not, why not and what to do.
fn check_endpoint(value: &str) -> Result<(), &'static str> {
    let url = url::Url::parse(value)
        .map_err(|_| "is not a URL: give the full address, starting with https://")?;
    match url.scheme() {
        "https" if url.has_host() => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err(
            "is not https: Belfry sends tokens only over https (plain http only to 127.0.0.1, \
             ::1 or localhost); use the https:// address",
        ),
        _ => Err("is not an https URL: use the https:// address"),
    }
}

/// Whether a URL's host is this machine.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// All providers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Google's client and endpoints.
    pub google: ProviderConfig,
    /// Microsoft's client and endpoints.
    pub microsoft: ProviderConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            google: ProviderConfig {
                kind: ProviderKind::Google,
                client_id: String::new(),
                client_secret: None,
                auth_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
                token_url: "https://oauth2.googleapis.com/token".into(),
                revoke_url: Some("https://oauth2.googleapis.com/revoke".into()),
                userinfo_url: Some("https://openidconnect.googleapis.com/v1/userinfo".into()),
                api_base: "https://www.googleapis.com/calendar/v3".into(),
                scopes: vec![
                    "openid".into(),
                    "email".into(),
                    "https://www.googleapis.com/auth/calendar.events".into(),
                ],
            },
            microsoft: ProviderConfig {
                kind: ProviderKind::Microsoft,
                client_id: String::new(),
                client_secret: None,
                auth_url: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize".into(),
                token_url: "https://login.microsoftonline.com/common/oauth2/v2.0/token".into(),
                revoke_url: None,
                userinfo_url: Some("https://graph.microsoft.com/oidc/userinfo".into()),
                api_base: "https://graph.microsoft.com/v1.0".into(),
                scopes: vec![
                    "openid".into(),
                    "email".into(),
                    "offline_access".into(),
                    "Calendars.ReadWrite".into(),
                    "Calendars.ReadWrite.Shared".into(),
                ],
            },
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    providers: FileProviders,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileProviders {
    google: Option<FileProvider>,
    microsoft: Option<FileProvider>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileProvider {
    client_id: Option<String>,
    client_secret: Option<String>,
    auth_url: Option<String>,
    token_url: Option<String>,
    revoke_url: Option<String>,
    userinfo_url: Option<String>,
    api_base: Option<String>,
    scopes: Option<Vec<String>>,
}

impl FileProvider {
    fn apply(self, p: &mut ProviderConfig) {
        if let Some(v) = self.client_id {
            p.client_id = v
        }
        if let Some(v) = self.client_secret {
            p.client_secret = Some(v)
        }
        if let Some(v) = self.auth_url {
            p.auth_url = v
        }
        if let Some(v) = self.token_url {
            p.token_url = v
        }
        if let Some(v) = self.revoke_url {
            p.revoke_url = Some(v).filter(|u| !u.is_empty())
        }
        if let Some(v) = self.userinfo_url {
            p.userinfo_url = Some(v).filter(|u| !u.is_empty())
        }
        if let Some(v) = self.api_base {
            p.api_base = v
        }
        if let Some(v) = self.scopes {
            p.scopes = v
        }
    }
}

/// Where the config file is read from.
#[allow(
    clippy::disallowed_methods,
    reason = "belfry.toml's path is one of the edges where the environment is read"
)]
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "belfry").map(|d| d.config_dir().join("belfry.toml"))
}

pub(crate) fn config_path_hint() -> String {
    config_path()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| format!("set {CONFIG_ENV}"))
}

impl Config {
    /// Reads `belfry.toml` over the defaults; a missing file means the defaults.
    #[allow(clippy::disallowed_methods, reason = "belfry.toml is read here")]
    pub fn load() -> Result<Config, OAuthError> {
        let Some(path) = config_path() else {
            return Ok(Config::default());
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text)
                .map_err(|e| OAuthError::Config(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(OAuthError::Config(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    /// Parses a config file's text and checks that every endpoint is `https` (or `http` to
    /// 127.0.0.1, ::1 or localhost).
    pub fn parse(text: &str) -> Result<Config, String> {
        let file: FileConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut config = Config::default();
        if let Some(g) = file.providers.google {
            g.apply(&mut config.google);
        }
        if let Some(m) = file.providers.microsoft {
            m.apply(&mut config.microsoft);
        }
        config.google.check_endpoints()?;
        config.microsoft.check_endpoints()?;
        Ok(config)
    }

    /// One provider's settings.
    pub fn provider(&self, kind: ProviderKind) -> &ProviderConfig {
        match kind {
            ProviderKind::Google => &self.google,
            ProviderKind::Microsoft => &self.microsoft,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_overrides_the_defaults_field_by_field() {
        let c = Config::parse(
            r#"
[providers.google]
client_id = "123.apps.googleusercontent.com"
client_secret = "GOCSPX-not-secret"

[providers.microsoft]
client_id = "00000000-0000-0000-0000-000000000000"
auth_url = "http://127.0.0.1:9/auth"
"#,
        )
        .unwrap();
        assert_eq!(c.google.client_id, "123.apps.googleusercontent.com");
        assert_eq!(c.google.token_url, "https://oauth2.googleapis.com/token");
        assert_eq!(c.microsoft.auth_url, "http://127.0.0.1:9/auth");
        assert!(
            c.microsoft
                .scopes
                .contains(&"Calendars.ReadWrite.Shared".to_owned())
        );
        assert!(
            c.google
                .scopes
                .contains(&"https://www.googleapis.com/auth/calendar.events".to_owned())
        );
    }

    #[test]
    fn typos_are_reported() {
        let err = Config::parse("[providers.gogle]\nclient_id = \"x\"").unwrap_err();
        assert!(err.contains("gogle"), "{err}");
    }

    #[test]
    fn a_plain_http_endpoint_elsewhere_is_refused_naming_the_setting() {
        let err =
            Config::parse("[providers.microsoft]\ntoken_url = \"http://login.example.com/token\"")
                .unwrap_err();
        assert!(err.contains("providers.microsoft.token_url"), "{err}");
        assert!(err.contains("http://login.example.com/token"), "{err}");
        assert!(err.contains("use the https:// address"), "{err}");
    }

    #[test]
    fn every_endpoint_is_checked() {
        for field in [
            "auth_url",
            "token_url",
            "revoke_url",
            "userinfo_url",
            "api_base",
        ] {
            let err = Config::parse(&format!(
                "[providers.google]\n{field} = \"http://10.0.0.1/x\""
            ))
            .unwrap_err();
            assert!(err.contains(&format!("providers.google.{field} ")), "{err}");
        }
        let err =
            Config::parse("[providers.google]\napi_base = \"ftp://example.com/\"").unwrap_err();
        assert!(err.contains("providers.google.api_base"), "{err}");
        let err = Config::parse("[providers.google]\ntoken_url = \"token\"").unwrap_err();
        assert!(err.contains("is not a URL"), "{err}");
    }

    #[test]
    fn plain_http_to_this_machine_is_accepted() {
        for host in ["127.0.0.1:9", "[::1]:9", "localhost:9", "LOCALHOST"] {
            let c = Config::parse(&format!(
                "[providers.google]\ntoken_url = \"http://{host}/token\"\nuserinfo_url = \"http://{host}/me\""
            ))
            .unwrap_or_else(|e| panic!("{host}: {e}"));
            assert!(c.google.token_url.starts_with("http://"));
        }
        // Not loopback, whatever the name suggests.
        assert!(
            Config::parse("[providers.google]\ntoken_url = \"http://localhost.example.com/\"")
                .is_err()
        );
        assert!(
            Config::parse("[providers.google]\ntoken_url = \"http://127.0.0.1.example.com/\"")
                .is_err()
        );
    }

    #[test]
    fn the_defaults_pass_the_check() {
        let defaults = Config::default();
        defaults.google.check_endpoints().unwrap();
        defaults.microsoft.check_endpoints().unwrap();
    }
}
