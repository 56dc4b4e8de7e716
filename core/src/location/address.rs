//! The address line shown with a report, built offline from the ward and province names.
//! Vietnamese addresses write the unit word of every part after the first in lower case:
//! "Phường Thành Sen, tỉnh Hà Tĩnh", "Xã Sơn Kim 1, tỉnh Hà Tĩnh".

use crate::model::WardRef;

/// `province_full_name` as the boundaries spell it ("Tỉnh Hà Tĩnh"). Without a ward the
/// province alone is the address.
pub fn address_line(ward: Option<&WardRef>, province_full_name: &str) -> String {
    match ward {
        Some(w) => format!("{}, {}", w.full_name, lower_first(province_full_name)),
        None => upper_first(province_full_name),
    }
}

/// What to show instead of an address for a point outside the province.
pub fn outside_line(province_full_name: &str) -> String {
    format!("Ngoài {}", lower_first(province_full_name))
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ward(full: &str) -> WardRef {
        WardRef {
            code: "1".into(),
            name: String::new(),
            full_name: full.into(),
        }
    }

    #[test]
    fn unit_words_after_the_first_part_are_lower_case() {
        assert_eq!(
            address_line(Some(&ward("Phường Thành Sen")), "Tỉnh Hà Tĩnh"),
            "Phường Thành Sen, tỉnh Hà Tĩnh"
        );
        assert_eq!(
            address_line(Some(&ward("Xã Sơn Kim 1")), "Tỉnh Hà Tĩnh"),
            "Xã Sơn Kim 1, tỉnh Hà Tĩnh"
        );
        assert_eq!(
            address_line(Some(&ward("Phường Thuận Hóa")), "Thành phố Huế"),
            "Phường Thuận Hóa, thành phố Huế"
        );
        assert_eq!(address_line(None, "tỉnh Hà Tĩnh"), "Tỉnh Hà Tĩnh");
        assert_eq!(address_line(None, ""), "");
        assert_eq!(outside_line("Tỉnh Hà Tĩnh"), "Ngoài tỉnh Hà Tĩnh");
    }
}
