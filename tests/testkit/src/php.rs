//! What the PHP CalDAV servers (sabre/dav, DAViCal) share under `php -S`: PHP's settings,
//! and PHP's `mail()` handed to a capturing sendmail whose messages are read back.

use std::path::{Path, PathBuf};

/// One message the server handed to sendmail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// The addresses of its `To`, `Cc` and `Bcc` headers (PHP's `mail()` runs sendmail
    /// with `-t`: these are where it goes).
    pub recipients: Vec<String>,
    /// The message as sendmail read it, headers and body.
    pub message: String,
}

/// The sendmail PHP's `mail()` runs: each message in a numbered folder of `mail`, its
/// arguments in `args`, what it read in `message`.
pub(crate) fn sendmail_script(mail: &Path) -> String {
    let quoted = mail.display().to_string().replace('\'', "'\\''");
    format!(
        "#!/bin/sh\ndir='{quoted}'\ni=1\nwhile ! mkdir \"$dir/$i\" 2>/dev/null; do i=$((i+1)); done\nprintf '%s\\n' \"$@\" > \"$dir/$i/args\"\ncat > \"$dir/$i/message\"\n"
    )
}

/// `-d` settings of PHP: mail to the capturing `sendmail`, PHP's errors (and what the
/// server logs) to `dir`'s `php-errors.log` rather than into answers.
pub(crate) fn php_settings(dir: &Path, sendmail: &Path) -> Vec<String> {
    [
        format!("sendmail_path='{}' -t -i", sendmail.display()),
        "display_errors=0".into(),
        "log_errors=1".into(),
        format!("error_log={}", dir.join("php-errors.log").display()),
    ]
    .into_iter()
    .flat_map(|s| ["-d".to_owned(), s])
    .collect()
}

/// What the server handed to the sendmail of [`sendmail_script`] writing to `mail`, in
/// order.
pub(crate) fn sent_mail(mail: &Path) -> Vec<Captured> {
    let mut numbered: Vec<(u64, PathBuf)> = std::fs::read_dir(mail)
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let n = e.file_name().to_str()?.parse().ok()?;
            Some((n, e.path()))
        })
        .collect();
    numbered.sort();
    numbered
        .into_iter()
        .filter_map(|(_, dir)| {
            let bytes = std::fs::read(dir.join("message")).ok()?;
            Some(Captured {
                recipients: recipients(&bytes),
                message: String::from_utf8_lossy(&bytes).into_owned(),
            })
        })
        .collect()
}

/// The addresses of a message's `To`, `Cc` and `Bcc` headers (read by an independent
/// parser).
fn recipients(message: &[u8]) -> Vec<String> {
    use mail_parser::{Address, MessageParser};
    let Some(parsed) = MessageParser::default().parse(message) else {
        return Vec::new();
    };
    [parsed.to(), parsed.cc(), parsed.bcc()]
        .into_iter()
        .flatten()
        .flat_map(|a: &Address<'_>| {
            a.iter()
                .filter_map(|addr| addr.address().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_read_from_to_cc_and_bcc() {
        for m in [
            "To: meet@chime.aws\r\nSubject: x\r\nCc: Pat <pat@elsewhere.example>,\r\n q@x.test\r\n\r\nTo: not@a.header\r\n",
            "To: meet@chime.aws\r\nSubject: Invitation for: X\r\nCc: Pat <pat@elsewhere.example>,\r\n q@x.test\r\n\r\nTo: not@a.header\r\n",
        ] {
            assert_eq!(
                recipients(m.as_bytes()),
                ["meet@chime.aws", "pat@elsewhere.example", "q@x.test"]
            );
        }
    }
}
