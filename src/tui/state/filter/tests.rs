use super::*;

/// A row as the filter sees it, without a whole `ServerDetail`.
struct Fake {
    flag: FlagWord,
    name: &'static str,
    id: &'static str,
    status: &'static str,
    os: &'static str,
    project: &'static str,
    az: &'static str,
    ips: Vec<&'static str>,
    tags: Vec<&'static str>,
}

impl Subject for Fake {
    fn flag(&self) -> FlagWord {
        self.flag
    }

    fn values(&self, field: Field) -> Vec<&str> {
        match field {
            Field::Status => vec![self.status],
            Field::Os => vec![self.os],
            Field::Project => vec![self.project],
            Field::Profile => vec!["prod"],
            Field::Az => vec![self.az],
            Field::Name => vec![self.name],
            Field::Tag => self.tags.clone(),
            Field::Any => {
                let mut v = vec![self.name, self.id, self.project, self.az];
                v.extend(&self.ips);
                v
            }
        }
    }
}

fn web() -> Fake {
    Fake {
        flag: FlagWord::Supported,
        name: "web-01",
        id: "0a1b2c3d-0000",
        status: "ACTIVE",
        os: "Linux",
        project: "prod cn-north-4",
        az: "cn-north-4a",
        ips: vec!["192.168.0.11"],
        tags: vec!["team=ops"],
    }
}

fn db() -> Fake {
    Fake {
        flag: FlagWord::Unsupported,
        name: "db-01",
        id: "ffee0000-1111",
        status: "SHUTOFF",
        os: "Windows",
        project: "staging ap-southeast-1",
        az: "ap-southeast-1b",
        ips: vec!["10.1.0.7", "121.36.0.3"],
        tags: vec![],
    }
}

fn hits(filter: &str) -> Vec<&'static str> {
    let f = Filter::parse(filter);
    assert!(f.errors.is_empty(), "{filter:?}: {:?}", f.errors);
    [web(), db()]
        .into_iter()
        .filter(|r| f.matches(r))
        .map(|r| r.name)
        .collect()
}

#[test]
fn flag_words_are_exact() {
    assert_eq!(hits("flag:supported"), ["web-01"]);
    assert_eq!(hits("flag:unsupported"), ["db-01"]);
    assert_eq!(hits("FLAG:Unsupported"), ["db-01"]);
    assert!(hits("flag:checking").is_empty());
    assert_eq!(hits("!flag:supported"), ["db-01"]);
}

#[test]
fn a_bare_flag_word_is_not_a_flag_test() {
    // "supported" used to match "unsupported" rows through the flag column.
    assert!(hits("supported").is_empty());
}

#[test]
fn field_terms_match_their_field_only() {
    assert_eq!(hits("status:shutoff"), ["db-01"]);
    assert_eq!(hits("os:win"), ["db-01"]);
    assert_eq!(hits("project:staging"), ["db-01"]);
    assert_eq!(hits("project:cn-north"), ["web-01"]);
    assert_eq!(hits("az:4a"), ["web-01"]);
    assert_eq!(hits("name:web"), ["web-01"]);
    assert_eq!(hits("tag:team=ops"), ["web-01"]);
    assert!(
        hits("name:0a1b").is_empty(),
        "name: does not look at the id"
    );
}

#[test]
fn bare_words_search_name_id_address_project_and_zone() {
    assert_eq!(hits("0a1b2c"), ["web-01"]);
    assert_eq!(hits("121.36"), ["db-01"]);
    assert_eq!(hits("staging"), ["db-01"]);
    assert_eq!(hits("southeast-1b"), ["db-01"]);
    assert!(hits("shutoff").is_empty(), "status only through status:");
}

#[test]
fn terms_are_anded_and_negation_applies_per_term() {
    assert_eq!(hits("web 01"), ["web-01"]);
    assert!(hits("web db").is_empty());
    assert_eq!(hits("01 !web"), ["db-01"]);
    assert_eq!(hits("project:prod flag:supported"), ["web-01"]);
    assert!(hits("project:prod !flag:supported").is_empty());
    assert_eq!(hits("").len(), 2);
}

#[test]
fn quotes_keep_spaces_in_a_value() {
    assert_eq!(hits("project:\"prod cn\""), ["web-01"]);
    let f = Filter::parse("project:\"prod cn\"");
    assert_eq!(f.terms.len(), 1);
    assert_eq!(f.to_string(), "project~\"prod cn\"");
}

#[test]
fn addresses_with_colons_are_bare_words() {
    let f = Filter::parse("fe80::1 10.0.0.1:22");
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert!(
        f.terms
            .iter()
            .all(|t| matches!(t.test, Test::Text(Field::Any, _)))
    );
}

#[test]
fn bad_terms_say_what_is_wrong_and_are_ignored() {
    let f = Filter::parse("colour:red flag:maybe status: web");
    assert_eq!(f.terms.len(), 1, "only `web` applies");
    assert_eq!(f.errors.len(), 3);
    assert!(
        f.errors[0].contains("colour: is not a filter field"),
        "{f:?}"
    );
    assert!(f.errors[1].contains("supported, unsupported, checking, unknown or not-offered"));
    assert!(f.errors[2].contains("status: needs a value"));
}

#[test]
fn a_lone_bang_is_still_being_typed() {
    let f = Filter::parse("web !");
    assert!(f.errors.is_empty());
    assert_eq!(f.terms.len(), 1);
}

#[test]
fn the_title_form_names_every_term() {
    let f = Filter::parse("flag:supported !Web project:prod");
    assert_eq!(
        f.to_string(),
        "flag=supported and not any~web and project~prod"
    );
}

#[test]
fn non_ascii_text_still_folds_case() {
    assert!(contains_ci("Ærø-web", "ærø"));
    assert!(!contains_ci("abc", "abcd"));
}

#[test]
fn profile_matches_the_account_and_is_a_known_field() {
    let f = Filter::parse("profile:pro");
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert!(f.matches(&web()));
    assert!(!Filter::parse("profile:staging").matches(&web()));
    assert!(Filter::parse("!profile:staging").matches(&web()));
    let e = Filter::parse("account:x").errors;
    assert!(e[0].contains("profile:"), "{e:?}");
}

/// A subject that keeps its bytes, and counts how often the filter reads its texts.
struct Kept {
    row: Fake,
    reads: std::cell::Cell<usize>,
}

impl Subject for Kept {
    fn flag(&self) -> FlagWord {
        self.row.flag
    }

    fn values(&self, field: Field) -> Vec<&str> {
        self.reads.set(self.reads.get() + 1);
        self.row.values(field)
    }

    fn byte_mask(&self, field: Field) -> Option<u64> {
        (field == Field::Any).then(|| {
            self.row
                .values(field)
                .into_iter()
                .fold(0, |m, v| m | byte_mask(v))
        })
    }
}

#[test]
fn a_row_whose_bytes_lack_the_word_is_not_read() {
    let kept = |row| Kept {
        row,
        reads: std::cell::Cell::new(0),
    };
    let db = kept(db());
    assert!(!Filter::parse("web").matches(&db));
    assert!(Filter::parse("!web").matches(&db));
    assert_eq!(db.reads.get(), 0, "decided by the bytes alone");
    let web = kept(web());
    assert!(Filter::parse("WEB-0").matches(&web));
    assert_eq!(
        web.reads.get(),
        1,
        "the bytes allow it, so the texts decide"
    );
    // `K` (the Kelvin sign) folds to an ASCII `k`, which no byte of it shows.
    let mut kelvin = self::web();
    kelvin.name = "\u{212A}ube-1";
    assert!(Filter::parse("kube").matches(&kept(kelvin)));
}

proptest::proptest! {
    /// The bytes never rule out a text that holds the needle, whatever the case and script.
    #[test]
    fn the_bytes_of_a_text_that_holds_a_needle_cover_the_needle(
        hay in "[a-zA-Z0-9 .:_\\-éÉ\u{212A}İ]{0,24}",
        start in 0usize..24,
        len in 1usize..6,
    ) {
        let chars: Vec<char> = hay.chars().collect();
        let start = start.min(chars.len());
        let end = (start + len).min(chars.len());
        let needle: String = chars[start..end].iter().collect::<String>().to_lowercase();
        if contains_ci(&hay, &needle) {
            let has = byte_mask(&hay);
            proptest::prop_assert!(has & NON_ASCII != 0 || byte_mask(&needle) & !has == 0);
        }
    }

    /// With or without bytes, a subject matches the same filters.
    #[test]
    fn kept_bytes_never_change_an_answer(
        word in "!?[a-zA-Z0-9.\\-]{1,5}",
        which in proptest::bool::ANY,
    ) {
        let row = if which { web() } else { db() };
        let f = Filter::parse(&word);
        let plain = f.matches(&row);
        let kept = Kept { row, reads: std::cell::Cell::new(0) };
        proptest::prop_assert_eq!(f.matches(&kept), plain, "{}", word);
    }
}
