//! Tests of `run.rs`.
use super::commands::shell_words;

#[test]
fn echoed_commands_quote_what_needs_it() {
    let args = [
        "-append".to_string(),
        String::new(),
        "a b".into(),
        "x=1".into(),
    ];
    assert_eq!(shell_words(&args), "-append '' 'a b' x=1");
}
