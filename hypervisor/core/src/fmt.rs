//! The hypervisor's own text formatter.
//!
//! Ring 0 must not use `core::fmt`: it is large, and where `core` is linked
//! precompiled its integer formatting uses SSE registers, which the hypervisor
//! may not touch (see docs/ARCHITECTURE.md). Instead every printable value
//! implements [`Show`], and [`show!`](crate::show) writes a list of values to
//! a [`Sink`]. There are no format strings to parse and nothing to allocate.

/// Where formatted text goes (the serial console, a test buffer).
pub trait Sink {
    fn write_str(&mut self, s: &str);
}

/// A value that can write itself as text.
pub trait Show {
    fn show(&self, out: &mut dyn Sink);
}

/// Writes each argument to the sink in turn: `show!(out, "x=", Hex(x), "\n")`.
#[macro_export]
macro_rules! show {
    ($sink:expr $(, $arg:expr)* $(,)?) => {{
        let sink: &mut dyn $crate::fmt::Sink = $sink;
        $( $crate::fmt::Show::show(&$arg, sink); )*
    }};
}

impl Show for str {
    fn show(&self, out: &mut dyn Sink) {
        out.write_str(self);
    }
}

impl<T: Show + ?Sized> Show for &T {
    fn show(&self, out: &mut dyn Sink) {
        (**self).show(out);
    }
}

impl Show for bool {
    fn show(&self, out: &mut dyn Sink) {
        out.write_str(if *self { "yes" } else { "no" });
    }
}

/// Writes `v` in base `radix` (2..=16), at least `min_digits` digits.
fn write_radix(out: &mut dyn Sink, mut v: u64, radix: u64, min_digits: usize) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 64];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = DIGITS[(v % radix) as usize];
        v /= radix;
        if v == 0 && buf.len() - i >= min_digits.min(buf.len()) {
            break;
        }
    }
    // Only ASCII digits were written, so this cannot fail.
    if let Ok(s) = core::str::from_utf8(&buf[i..]) {
        out.write_str(s);
    }
}

macro_rules! show_unsigned {
    ($($t:ty),*) => {$(
        impl Show for $t {
            fn show(&self, out: &mut dyn Sink) {
                write_radix(out, *self as u64, 10, 1);
            }
        }
    )*};
}
show_unsigned!(u8, u16, u32, u64, usize);

macro_rules! show_signed {
    ($($t:ty),*) => {$(
        impl Show for $t {
            fn show(&self, out: &mut dyn Sink) {
                if *self < 0 {
                    out.write_str("-");
                }
                write_radix(out, (*self as i64).unsigned_abs(), 10, 1);
            }
        }
    )*};
}
show_signed!(i8, i16, i32, i64, isize);

/// Hexadecimal with a `0x` prefix and no padding.
#[derive(Clone, Copy)]
pub struct Hex(pub u64);

impl Show for Hex {
    fn show(&self, out: &mut dyn Sink) {
        out.write_str("0x");
        write_radix(out, self.0, 16, 1);
    }
}

/// Hexadecimal with a `0x` prefix, zero-padded to 16 digits (register dumps).
#[derive(Clone, Copy)]
pub struct Hex64(pub u64);

impl Show for Hex64 {
    fn show(&self, out: &mut dyn Sink) {
        out.write_str("0x");
        write_radix(out, self.0, 16, 16);
    }
}

/// Bytes shown as text, with anything that is not printable ASCII as `?`
/// (command lines and other strings from firmware or users).
#[derive(Clone, Copy)]
pub struct Bytes<'a>(pub &'a [u8]);

impl Show for Bytes<'_> {
    fn show(&self, out: &mut dyn Sink) {
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                let mut buf = [0u8; 4];
                let printable = c == '\n' || c == '\t' || (' '..='~').contains(&c);
                out.write_str(if printable {
                    c.encode_utf8(&mut buf)
                } else {
                    "?"
                });
            }
            if !chunk.invalid().is_empty() {
                out.write_str("?");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Buf(String);
    impl Sink for Buf {
        fn write_str(&mut self, s: &str) {
            self.0.push_str(s);
        }
    }

    fn render(f: impl FnOnce(&mut Buf)) -> String {
        let mut b = Buf(String::new());
        f(&mut b);
        b.0
    }

    #[test]
    fn integers_in_decimal_and_hex() {
        assert_eq!(
            render(|b| show!(b, 0u64, " ", 42u32, " ", u64::MAX)),
            "0 42 18446744073709551615"
        );
        assert_eq!(
            render(|b| show!(b, -5i32, " ", i64::MIN, " ", 7i8)),
            "-5 -9223372036854775808 7"
        );
        assert_eq!(
            render(|b| show!(b, Hex(0), " ", Hex(0xdead_beef), " ", Hex(u64::MAX))),
            "0x0 0xdeadbeef 0xffffffffffffffff"
        );
        assert_eq!(render(|b| show!(b, Hex64(0x1f))), "0x000000000000001f");
    }

    #[test]
    fn strings_bools_and_untrusted_bytes() {
        assert_eq!(
            render(|b| show!(b, "cpu ", 3usize, ": ", true, "/", false)),
            "cpu 3: yes/no"
        );
        assert_eq!(
            render(|b| show!(b, Bytes(b"exit=debug\x01\xff"))),
            "exit=debug??"
        );
        assert_eq!(render(|b| show!(b, Bytes("caf\u{e9}".as_bytes()))), "caf?");
    }
}
