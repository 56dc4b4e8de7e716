//! Vietnamese diacritic-insensitive text folding for search: "Đường" and "duong" fold alike.
//! NFD splits the tone and vowel marks off their base letters; đ/Đ is a letter of its own
//! (no decomposition), so it is mapped to d by hand.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lowercase, marks removed, đ→d, runs of non-alphanumerics collapsed to one space.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Words of a folded query; every one must occur in the folded text.
pub fn terms(q: &str) -> Vec<String> {
    fold(q)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Đường Nguyễn Du bị NGẬP"), "duong nguyen du bi ngap");
        assert_eq!(fold("  ổ gà,  lớn!! "), "o ga lon");
        // Precomposed and decomposed input fold the same.
        assert_eq!(fold("Tĩnh"), fold("Ti\u{303}nh"));
        assert_eq!(terms("đường  ĐÈN"), vec!["duong", "den"]);
    }
}
