//! Words for a POSIX shell: how ferry quotes what it prints for a user to paste and run (a
//! resume command, the command that installs anvil).
//!
//! Invariant: a quoted word reads back, through any POSIX shell, as exactly the text it was
//! made from; text of only safe characters stays bare so printed commands stay readable.

/// `text` as one word for a POSIX shell: bare when it holds only safe characters, else in
/// single quotes (a quote inside written `'\''`).
pub fn shell_quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+=:@%,".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_for_a_shell() {
        assert_eq!(shell_quote("/a/b.bin"), "/a/b.bin");
        assert_eq!(shell_quote("my file"), "'my file'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
