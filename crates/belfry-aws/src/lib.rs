//! AWS for Belfry: which credentials to use (a profile of the standard AWS configuration,
//! SSO included; an access key kept in the keyring; or the default chain) and whose they
//! are (STS `GetCallerIdentity`). The standard endpoint settings (`AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_STS`, a profile's `endpoint_url`) apply, so tests and proxies can
//! point the SDK at another server.
//!
//! Invariant: the secret access key is `Sensitive` and goes only to the SDK's signer.

#![warn(missing_docs)]
// Unit tests may read the clock, the environment and files; the code under test may not.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

use aws_config::BehaviorVersion;
use aws_config::meta::region::RegionProviderChain;
use aws_credential_types::Credentials;
use belfry_secrets::Sensitive;

/// Chime's administration API lives in us-east-1.
pub const REGION: &str = "us-east-1";

/// Where the credentials come from.
#[derive(Debug, Clone)]
pub enum AwsCredentials {
    /// The standard chain: environment, default profile, SSO, instance roles.
    Chain,
    /// A named profile of `~/.aws/config` / `~/.aws/credentials`.
    Profile(String),
    /// An access key; the secret comes from the keyring.
    AccessKey {
        /// The access key ID.
        id: String,
        /// The secret access key, handed only to the SDK's signer.
        secret: Sensitive<String>,
    },
}

/// Why AWS could not be asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwsError {
    /// No credentials could be found or loaded.
    #[error("no AWS credentials were found: {0}")]
    NoCredentials(String),
    /// AWS answered, and turned the credentials down.
    #[error("AWS refused these credentials: {0}")]
    Refused(String),
    /// AWS could not be reached, or did not answer in time.
    #[error("cannot reach AWS: {0}")]
    Network(String),
    /// Anything else, with the SDK's words.
    #[error("{0}")]
    Other(String),
}

/// The SDK configuration for these credentials. `endpoint` overrides every service's
/// endpoint (the environment's `AWS_ENDPOINT_URL*` settings apply without it).
pub async fn sdk_config(creds: &AwsCredentials, endpoint: Option<&str>) -> aws_config::SdkConfig {
    let region = RegionProviderChain::first_try(aws_config::Region::new(REGION));
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(region);
    if let Some(url) = endpoint {
        loader = loader.endpoint_url(url);
    }
    let loader = match creds {
        AwsCredentials::Chain => loader,
        AwsCredentials::Profile(p) => loader.profile_name(p),
        AwsCredentials::AccessKey { id, secret } => loader.credentials_provider(Credentials::new(
            id.clone(),
            secret.expose().clone(),
            None,
            None,
            "belfry-keyring",
        )),
    };
    loader.load().await
}

/// Who these credentials belong to: the caller's ARN.
pub fn caller_identity(creds: &AwsCredentials, endpoint: Option<&str>) -> Result<String, AwsError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AwsError::Other(e.to_string()))?;
    rt.block_on(async {
        let config = sdk_config(creds, endpoint).await;
        let sts = aws_sdk_sts::Client::new(&config);
        match sts.get_caller_identity().send().await {
            Ok(out) => out
                .arn()
                .map(str::to_owned)
                .ok_or_else(|| AwsError::Other("STS returned no ARN".into())),
            Err(e) => Err(classify(&e)),
        }
    })
}

fn classify<E: std::error::Error + 'static, R: std::fmt::Debug>(
    e: &aws_sdk_sts::error::SdkError<E, R>,
) -> AwsError {
    use aws_sdk_sts::error::{DisplayErrorContext, SdkError};
    let text = DisplayErrorContext(e).to_string();
    match e {
        SdkError::ConstructionFailure(_) if text.contains("credentials") => {
            AwsError::NoCredentials(text)
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => AwsError::Network(text),
        SdkError::ServiceError(_) => AwsError::Refused(text),
        _ if text.contains("credentials") => AwsError::NoCredentials(text),
        _ => AwsError::Other(text),
    }
}
