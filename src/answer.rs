//! Facts about a finished JSON answer shared by the page cache and the layers around the
//! handlers, in a leaf so neither imports the other.

/// The fields that name a person, answered as the person by `naming::name_people`.
pub const PERSON_KEYS: [&str; 4] = ["created_by", "author", "recorded_by", "actor"];

/// What each field naming a person looks like in a serialised answer before it is named
/// (`"created_by":"`), as a searcher, in `PERSON_KEYS`' order. Inside a JSON string every `"` is
/// escaped, so a match is always a key.
pub fn person_keys() -> &'static [memchr::memmem::Finder<'static>] {
    static FINDERS: std::sync::OnceLock<Vec<memchr::memmem::Finder<'static>>> =
        std::sync::OnceLock::new();
    FINDERS.get_or_init(|| key_finders(&PERSON_KEYS, "\""))
}

/// A searcher for each of `keys` as a key of a serialised answer, followed by `then`.
pub fn key_finders(keys: &[&str], then: &str) -> Vec<memchr::memmem::Finder<'static>> {
    keys.iter()
        .map(|k| memchr::memmem::Finder::new(format!("\"{k}\":{then}").as_bytes()).into_owned())
        .collect()
}

/// Whether a JSON body names someone (a byte search: most answers don't, and are spared a parse).
pub fn names_someone(body: &[u8]) -> bool {
    person_keys().iter().any(|f| f.find(body).is_some())
}

/// In a response's extensions: its body names nobody and its `ETag` is already the body's, so
/// the layers pass it as it is (a kept page is examined once, when it is made, not per read).
#[derive(Clone, Copy, Debug)]
pub struct Final;

#[cfg(test)]
mod tests {
    #[test]
    fn finds_a_person_only_where_a_key_holds_a_string() {
        assert!(super::names_someone(br#"{"created_by":"01a2"}"#));
        assert!(!super::names_someone(
            br#"{"created_by":null,"title":"author"}"#
        ));
        assert!(!super::names_someone(b"\xff\xfe"));
        // A key's text inside a string is escaped, so it is not taken for a key.
        assert!(!super::names_someone(
            br#"{"title":"\"created_by\":\"01a2"}"#
        ));
    }
}
