//! `xs:documentation` text becomes rustdoc. It is prose, not Markdown: escape what Markdown
//! and rustdoc would interpret (`[measurement]` would be an intra-doc link, `<b>` an HTML tag,
//! an indented line a doctest), and make URLs autolinks.

use syn::visit_mut::VisitMut;

/// Rewrite every `#[doc = "..."]` in `file` into escaped, trimmed prose.
pub fn escape_all(file: &mut syn::File) {
    Escaper.visit_file_mut(file);
}

struct Escaper;

impl VisitMut for Escaper {
    fn visit_attribute_mut(&mut self, attr: &mut syn::Attribute) {
        if let syn::Meta::NameValue(nv) = &mut attr.meta {
            if nv.path.is_ident("doc") {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &mut nv.value
                {
                    *s = syn::LitStr::new(&escape(&s.value()), s.span());
                }
            }
        }
    }
}

/// Escape one doc line: trim it, backslash-escape Markdown punctuation, wrap URLs in `<>`.
pub fn escape(text: &str) -> String {
    let mut out = String::from(" ");
    for (i, word) in text.trim().split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.starts_with("http://") || word.starts_with("https://") {
            out.push('<');
            out.push_str(word);
            out.push('>');
            continue;
        }
        for c in word.chars() {
            if matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '{' | '}'
            ) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markdown_and_links_urls() {
        assert_eq!(
            escape("How frequently the [measurement] is"),
            " How frequently the \\[measurement\\] is"
        );
        assert_eq!(escape("  a <b> c_d "), " a \\<b\\> c\\_d");
        assert_eq!(escape("see http://x.org/y"), " see <http://x.org/y>");
    }
}
