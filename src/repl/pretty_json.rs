//! Indenting JSON text without parsing it into a map, so fields keep the
//! order the producer wrote them in.

/// `json` re-indented with two spaces per level. Text that is not valid
/// JSON comes out re-spaced but otherwise unchanged.
pub fn indent(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                skip_whitespace(&mut chars);
                // Empty containers stay on one line: {} and [].
                if let Some(&close @ ('}' | ']')) = chars.peek() {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

fn skip_whitespace(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while chars.peek().is_some_and(|c| c.is_whitespace()) {
        chars.next();
    }
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::indent;

    #[test]
    fn indents_and_keeps_field_order() {
        let json = r#"{"z":1,"a":{"list":[1,2],"empty":{},"none":[]},"s":"a,b:{\"c\"}"}"#;
        assert_eq!(
            indent(json),
            r#"{
  "z": 1,
  "a": {
    "list": [
      1,
      2
    ],
    "empty": {},
    "none": []
  },
  "s": "a,b:{\"c\"}"
}"#
        );
    }

    #[test]
    fn agrees_with_serde_on_values() {
        let json = r#" { "a" : [ 1.5 , true , null , "x\\" ] } "#;
        let ours: serde_json::Value = serde_json::from_str(&indent(json)).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(indent("42"), "42");
    }
}
