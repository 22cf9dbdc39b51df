//! Facts about a finished JSON answer shared by the page cache and the layers around the
//! handlers, in a leaf so neither imports the other.

/// The fields that name a person, answered as the person by `naming::name_people`.
pub const PERSON_KEYS: [&str; 4] = ["created_by", "author", "recorded_by", "actor"];

/// Whether a JSON body names someone (a text search: most answers don't, and are spared a parse).
pub fn names_someone(body: &[u8]) -> bool {
    std::str::from_utf8(body).is_ok_and(|t| {
        PERSON_KEYS
            .iter()
            .any(|k| t.contains(&format!("\"{k}\":\"")))
    })
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
    }
}
