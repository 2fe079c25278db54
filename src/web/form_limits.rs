//! Bounds on dashboard form fields. A field far longer than any valid value
//! is refused outright with a 400 that says which field and why, instead of
//! travelling on into validation messages and the session.

use actix_web::HttpResponse;

/// Longest form field accepted, in bytes: a 1000-character description of
/// four-byte characters still fits.
pub const MAX_FIELD_BYTES: usize = 4096;

/// A 400 naming the first of `fields` (name, value) over the bound.
pub fn refuse_oversized(fields: &[(&str, &str)]) -> Option<HttpResponse> {
    let (name, value) = fields
        .iter()
        .find(|(_, value)| value.len() > MAX_FIELD_BYTES)?;
    Some(
        HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body(format!(
                "The {name} field is {} bytes long; the form takes at most \
                 {MAX_FIELD_BYTES} bytes per field. Go back and shorten it.",
                value.len()
            )),
    )
}
