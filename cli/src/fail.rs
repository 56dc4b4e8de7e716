//! Turning any failure into one clear line that says what to do, and an exit code scripts
//! can branch on.

use phananh_core::error::{PublicError, StorageReason, ValidationReason};

/// Exit codes (documented in `phananh --help`).
pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_VALIDATION: u8 = 3;
pub const EXIT_OFFLINE: u8 = 4;
pub const EXIT_AUTH: u8 = 5;
pub const EXIT_NOT_FOUND: u8 = 6;
pub const EXIT_STORAGE: u8 = 7;
pub const EXIT_MEDIA: u8 = 8;
pub const EXIT_SERVER: u8 = 9;

pub fn explain(e: &anyhow::Error) -> (String, u8) {
    let Some(core) = e
        .chain()
        .find_map(|c| c.downcast_ref::<phananh_core::Error>())
    else {
        return (format!("{e:#}"), EXIT_FAILURE);
    };
    let (line, code) = explain_core(core);
    // Context added on the way up ("draft X is saved; ...") tells the user how to go on.
    let outer: Vec<String> = e
        .chain()
        .take_while(|c| c.downcast_ref::<phananh_core::Error>().is_none())
        .map(|c| c.to_string())
        .collect();
    if outer.is_empty() {
        (line, code)
    } else {
        (format!("{line} ({})", outer.join(": ")), code)
    }
}

fn explain_core(core: &phananh_core::Error) -> (String, u8) {
    match core.public() {
        PublicError::Validation { errors } => {
            let parts: Vec<String> = errors.iter().map(|f| format!("{} {}", f.field, reason(&f.reason))).collect();
            (format!("the report is not ready: {}", parts.join("; ")), EXIT_VALIDATION)
        }
        PublicError::Offline => {
            ("no connection to the server; your work is saved, run `phananh sync` when online".into(), EXIT_OFFLINE)
        }
        PublicError::Unauthorized => ("you are not signed in (or the session expired); run `phananh login PHONE`".into(), EXIT_AUTH),
        PublicError::Forbidden => ("the server does not allow this for your account".into(), EXIT_AUTH),
        PublicError::NotFound { what } => (format!("not found ({what}); check the id with `phananh reports` or `phananh drafts`"), EXIT_NOT_FOUND),
        PublicError::Storage { reason: StorageReason::Full } => ("the disk is full; free some space and try again (nothing was lost)".into(), EXIT_STORAGE),
        PublicError::Storage { reason: StorageReason::Damaged } => (
            format!("the app's database cannot be used ({core}); it was left untouched, contact support"),
            EXIT_STORAGE,
        ),
        PublicError::Storage { .. } => (format!("could not read or write a file: {core}"), EXIT_STORAGE),
        PublicError::Media { reason } => (format!("this photo/video cannot be used: {reason}"), EXIT_MEDIA),
        PublicError::InvalidState { detail } => (format!("not possible now: {detail}"), EXIT_FAILURE),
        PublicError::Server { status } => {
            (format!("the server had a problem (status {status}); your work is saved, try `phananh sync` later"), EXIT_SERVER)
        }
        other => (format!("{other}: {core}"), EXIT_FAILURE),
    }
}

fn reason(r: &ValidationReason) -> String {
    match r {
        ValidationReason::Required => "is required".into(),
        ValidationReason::TooShort { min } => format!("is too short (at least {min} characters)"),
        ValidationReason::TooLong { max } => format!("is too long (at most {max} characters)"),
        ValidationReason::UnknownCategory => {
            "is not a known category (see `phananh config`)".into()
        }
        ValidationReason::TooMany { max } => format!("has too many (at most {max})"),
        ValidationReason::TooFew { min } => format!("needs at least {min}"),
        ValidationReason::TooLarge { max_bytes } => {
            format!("is too large (at most {} MB)", max_bytes / 1_000_000)
        }
        ValidationReason::OutOfRange => "is out of range".into(),
        ValidationReason::Invalid { detail } => format!("is invalid: {detail}"),
    }
}

/// One line for a failed outbox item, from its typed code (the English detail follows for
/// support, in brackets).
pub fn describe_failure(f: &phananh_core::sync::Failure) -> String {
    use phananh_core::sync::FailureCode as C;
    let what = match f.code {
        C::Rejected => "the server refused the report; fix it and send again".to_owned(),
        C::Forbidden => "not allowed for this account".to_owned(),
        C::TooLarge => "a file is larger than the server accepts".to_owned(),
        C::Media => "an attached file cannot be read or processed".to_owned(),
        C::NotFound => "the report no longer exists on the server".to_owned(),
        C::Conflict => "the server holds a different report under the same key".to_owned(),
        C::Interrupted => "processing was interrupted too many times".to_owned(),
        C::Other => "failed".to_owned(),
    };
    let fields: Vec<String> = f
        .fields
        .iter()
        .map(|e| format!("{} {}", e.field, reason(&e.reason)))
        .collect();
    let mut line = if fields.is_empty() {
        what
    } else {
        format!("{what}: {}", fields.join("; "))
    };
    if !f.detail.is_empty() {
        line.push_str(&format!(" [{}]", f.detail));
    }
    line
}
