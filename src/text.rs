//! Messages built without `core::fmt`: [`text!`] concatenates pieces (string slices, strings,
//! integers, and the crate's types that have a text) into a `String`.
//!
//! Why not `format!`: every `format!`, `write!` and `to_string()` of a `Display` type keeps
//! `core::fmt`'s machinery (argument tables, padding, the integer and `Debug` formatters) in
//! the `.wasm`; messages here are plain concatenations, which a `push_str` does.
//! The `Display` impls of the crate's types write the same text (`f.write_str`), so native
//! users see no difference.

use crate::json::push_u64;
use crate::prelude::*;

/// Something that can be appended to a message.
pub trait Piece {
    fn push_to(&self, out: &mut String);
}

impl Piece for str {
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn push_to(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn push_to(&self, out: &mut String) {
        (**self).push_to(out);
    }
}

macro_rules! unsigned_piece {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn push_to(&self, out: &mut String) {
                push_u64(out, u64::from(*self));
            }
        }
    )*};
}
unsigned_piece!(u8, u16, u32, u64);

impl Piece for usize {
    fn push_to(&self, out: &mut String) {
        push_u64(out, *self as u64);
    }
}

impl Piece for i64 {
    fn push_to(&self, out: &mut String) {
        if *self < 0 {
            out.push('-');
        }
        push_u64(out, self.unsigned_abs());
    }
}

impl Piece for i32 {
    fn push_to(&self, out: &mut String) {
        i64::from(*self).push_to(out);
    }
}

/// The pieces' texts, one after the other, as a new `String`.
macro_rules! text {
    ($($piece:expr),* $(,)?) => {{
        #[allow(unused_mut)] // `text!()` pushes nothing
        let mut out = $crate::prelude::String::new();
        $( $crate::text::Piece::push_to(&$piece, &mut out); )*
        out
    }};
}
pub(crate) use text;

/// `Display` by a type's [`Piece`] text: `display_by_piece!(Type);`.
macro_rules! display_by_piece {
    ($($t:ty),*) => {$(
        impl core::fmt::Display for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(&$crate::text::text!(self))
            }
        }
    )*};
}
pub(crate) use display_by_piece;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_concatenate_like_format() {
        let name = String::from("sms");
        assert_eq!(
            text!("the ", name, " code was refused ", 3u32, " times"),
            format!("the {name} code was refused {} times", 3u32)
        );
        for n in [0i64, 7, -7, i64::MIN, i64::MAX] {
            assert_eq!(text!(n), n.to_string());
        }
        for n in [0u64, 9, 10, u64::MAX] {
            assert_eq!(text!(n, "/", n as usize), format!("{n}/{n}"));
        }
        assert_eq!(text!(u8::MAX, u16::MAX, -1i32), "25565535-1");
        assert_eq!(text!(), "");
    }
}
