//! The real `aws-sdk-chime` client against the loopback Chime fake, and the fake against
//! botocore's model of the API (the contract test).

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use belfry_aws::AwsCredentials;
use belfry_chime::{AccountFilter, AdminError, ChimeAdmin, License, SdkChime};
use belfry_http::Retry;
use belfry_secrets::Sensitive;
use belfry_testkit::{ChimeFake, chime_fake};
use serde_json::json;

fn client(fake: &ChimeFake) -> SdkChime {
    let creds = AwsCredentials::AccessKey {
        id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret: Sensitive::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
    };
    SdkChime::new(&creds, Some(&fake.url))
        .unwrap()
        .with_throttle_retry(Retry {
            attempts: 4,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(5),
        })
}

fn quiet(_: usize, _: usize) {}

#[test]
#[ignore = "needs the Chime fake (python3): run scripts/test"]
fn the_fake_serves_only_what_the_api_model_has() {
    let python = belfry_testkit::venv_bin("python");
    let script = belfry_testkit::workspace_root().join("tests/chime-fake/contract.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "contract: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

#[test]
#[ignore = "needs the Chime fake (python3): run scripts/test"]
fn an_administrator_creates_invites_licenses_and_deletes() {
    let fake = chime_fake(5);
    let chime = client(&fake);
    let created = chime.create_account("Physics Department").unwrap();
    assert_eq!(created.account_type, belfry_chime::AccountType::Team);
    assert_eq!(created.default_license, Some(License::Pro));
    let renamed = chime
        .update_account(&created.id, Some("Physics"), Some(License::Basic))
        .unwrap();
    assert_eq!(renamed.name, "Physics");
    assert_eq!(renamed.default_license, Some(License::Basic));

    // 60 addresses go out in two InviteUsers calls (at most 50 each).
    let emails: Vec<String> = (0..60)
        .map(|n| format!("student{n:02}@example.edu"))
        .collect();
    let invites = chime.invite_users(&created.id, &emails).unwrap();
    assert_eq!(invites.len(), 60);
    assert!(
        invites
            .iter()
            .all(|i| i.status == belfry_chime::InviteStatus::Pending),
        "{invites:?}"
    );
    let log = fake.get("/__test/requests");
    let invite_calls = log["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r[1].as_str().unwrap().contains("operation=add"))
        .count();
    assert_eq!(invite_calls, 2);

    // Every page is fetched (5 per page here), with progress for each.
    let pages = AtomicUsize::new(0);
    let users = chime
        .list_users(&created.id, None, &|p, _| {
            pages.store(p, Ordering::SeqCst);
        })
        .unwrap();
    assert_eq!(users.len(), 60);
    assert_eq!(pages.load(Ordering::SeqCst), 12);
    let one = chime
        .list_users(&created.id, Some("STUDENT07@example.edu"), &quiet)
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(
        one[0].registration,
        belfry_chime::Registration::Unregistered
    );

    let ids: Vec<String> = users.iter().take(25).map(|u| u.id.clone()).collect();
    let failed = chime.set_license(&created.id, &ids, License::Pro).unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    let after = chime.get_user(&created.id, &ids[24]).unwrap();
    assert_eq!(after.license, Some(License::Pro));
    let bad = chime
        .set_license(&created.id, &["no-such-user".into()], License::Pro)
        .unwrap();
    assert_eq!(bad[0].code, "NotFound");

    let before = chime.get_user(&created.id, &ids[0]).unwrap();
    let reset = chime.reset_pin(&created.id, &ids[0]).unwrap();
    let (old, new) = (before.personal_pin.unwrap(), reset.personal_pin.unwrap());
    assert_ne!(old, new);
    assert_eq!(new.len(), 10);

    // A Team account with active users cannot go; suspended, it can.
    let refused = chime.delete_account(&created.id).unwrap_err();
    assert!(
        matches!(refused, AdminError::Unprocessable(_)),
        "{refused:?}"
    );
    let all: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    assert!(chime.suspend(&created.id, &all).unwrap().is_empty());
    chime.delete_account(&created.id).unwrap();
    let listed = chime
        .list_accounts(&AccountFilter::default(), &quiet)
        .unwrap();
    assert!(listed.iter().all(|a| a.id != created.id));
    assert!(matches!(
        chime.get_user(&created.id, &ids[0]),
        Err(AdminError::NotFound(_))
    ));
}

#[test]
#[ignore = "needs the Chime fake (python3): run scripts/test"]
fn accounts_are_filtered_and_paginated() {
    let fake = chime_fake(2);
    let seeded = fake.hook(
        "/__test/seed",
        &json!({"accounts": [
            {"Name": "Biology", "AccountType": "Team", "users": [{"PrimaryEmail": "ana@example.com", "LicenseType": "Pro"}]},
            {"Name": "Chemistry", "AccountType": "Team"},
            {"Name": "Chemistry Labs", "AccountType": "EnterpriseLWA"},
            {"Name": "Physics", "AccountType": "Team"},
            {"Name": "Zoology", "AccountType": "Team"},
        ]}),
    );
    assert_eq!(seeded["accounts"].as_array().unwrap().len(), 5);
    let chime = client(&fake);
    let pages = AtomicUsize::new(0);
    let all = chime
        .list_accounts(&AccountFilter::default(), &|p, _| {
            pages.store(p, Ordering::SeqCst)
        })
        .unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(pages.load(Ordering::SeqCst), 3);
    let chem = chime
        .list_accounts(
            &AccountFilter {
                name: Some("Chemistry".into()),
                user_email: None,
            },
            &quiet,
        )
        .unwrap();
    assert_eq!(chem.len(), 2);
    let ana = chime
        .list_accounts(
            &AccountFilter {
                name: None,
                user_email: Some("ana@example.com".into()),
            },
            &quiet,
        )
        .unwrap();
    assert_eq!(
        ana.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["Biology"]
    );
}

#[test]
#[ignore = "needs the Chime fake (python3): run scripts/test"]
fn a_listing_that_never_ends_is_cut_off_with_a_reason() {
    let fake = chime_fake(10);
    let chime = client(&fake);
    let account = chime.create_account("Endless").unwrap();
    // More pages than Belfry reads, each with yet another NextToken.
    fake.hook(
        "/__test/faults",
        &json!({"faults": vec!["next-page:chime:ListUsers"; 1100]}),
    );
    let err = chime.list_users(&account.id, None, &quiet).unwrap_err();
    assert!(err.to_string().contains("more than 1000 pages"), "{err}");
    let count = fake.get("/__test/requests")["count"].as_u64().unwrap();
    assert_eq!(
        count,
        1 + 1000,
        "CreateAccount, then 1000 pages and no more"
    );
}

#[test]
#[ignore = "needs the Chime fake (python3): run scripts/test"]
fn throttling_and_5xx_are_retried_and_access_denied_names_the_action() {
    let fake = chime_fake(10);
    let chime = client(&fake);
    let account = chime.create_account("Retries").unwrap();
    fake.hook(
        "/__test/faults",
        &json!({"faults": ["throttle", "503", "500", "throttle"]}),
    );
    let users = chime.list_users(&account.id, None, &quiet).unwrap();
    assert!(users.is_empty());
    let count = fake.get("/__test/requests")["count"].as_u64().unwrap();
    assert_eq!(
        count,
        1 + 5,
        "CreateAccount, then 4 refused tries and the answer"
    );

    fake.hook(
        "/__test/faults",
        &json!({"faults": ["denied:chime:ListUsers"]}),
    );
    let err = chime.list_users(&account.id, None, &quiet).unwrap_err();
    match &err {
        AdminError::AccessDenied { action, .. } => assert_eq!(action, "chime:ListUsers"),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("chime:ListUsers"), "{err}");

    // Throttled on every try: said plainly, after the retries.
    fake.hook("/__test/faults", &json!({"faults": vec!["throttle"; 8]}));
    let err = chime.list_users(&account.id, None, &quiet).unwrap_err();
    assert_eq!(err, AdminError::Throttled);
}

#[test]
#[ignore = "needs the Chime fake (python3): run scripts/test"]
fn an_unreachable_endpoint_says_so() {
    let port = belfry_testkit::free_port();
    let creds = AwsCredentials::AccessKey {
        id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret: Sensitive::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
    };
    let chime = SdkChime::new(&creds, Some(&format!("http://127.0.0.1:{port}"))).unwrap();
    let err = chime
        .list_accounts(&AccountFilter::default(), &quiet)
        .unwrap_err();
    assert!(matches!(err, AdminError::Unreachable(_)), "{err:?}");
    assert!(err.to_string().contains("2026-02-20"), "{err}");
    assert!(!err.to_string().contains("wJalr"), "no secret in errors");
}

#[test]
#[ignore = "needs the Chime fake (python3): run scripts/test"]
fn a_request_signed_with_a_wrong_secret_is_refused() {
    let fake = chime_fake(10);
    let creds = AwsCredentials::AccessKey {
        id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret: Sensitive::new("wrongSecretKeyExample000000000000000000000".into()),
    };
    let chime = SdkChime::new(&creds, Some(&fake.url)).unwrap();
    let err = chime
        .list_accounts(&AccountFilter::default(), &quiet)
        .unwrap_err();
    assert!(
        err.to_string().contains("signature"),
        "the fake checked the signature: {err}"
    );
    assert!(!err.to_string().contains("wrongSecret"));
}
