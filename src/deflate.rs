//! Deflate (zlib) for page content, object streams and the xref stream, shared by render and
//! structure. A compressor's state is a few hundred kilobytes that the kernel must zero when it
//! is fresh; a kaart has thousands of streams, so each thread keeps one and resets it.

use flate2::{Compress, Compression, FlushCompress, Status};

pub struct Deflater(Compress);

impl Default for Deflater {
    fn default() -> Self {
        Deflater(Compress::new(Compression::new(6), true))
    }
}

impl Deflater {
    /// `input` as one complete zlib stream.
    pub fn deflate(&mut self, input: &[u8]) -> Vec<u8> {
        self.0.reset();
        let mut out = Vec::with_capacity(input.len() / 3 + 64);
        loop {
            let consumed = self.0.total_in() as usize;
            if out.capacity() - out.len() < 256 {
                out.reserve(out.capacity().max(4096));
            }
            match self.0.compress_vec(&input[consumed..], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => return out,
                Ok(_) => {}
                Err(e) => unreachable!("deflate into a growing Vec cannot fail: {e}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn round_trips_and_resets() {
        let mut d = Deflater::default();
        let text = "BT /F1 9.5 Tf 1 0 0 1 34 420 Tm <0042> Tj ET\n".repeat(2000);
        for _ in 0..3 {
            let z = d.deflate(text.as_bytes());
            assert!(z.len() < text.len() / 10);
            let mut back = String::new();
            flate2::read::ZlibDecoder::new(&z[..]).read_to_string(&mut back).unwrap();
            assert_eq!(back, text);
        }
        assert!(!d.deflate(b"").is_empty(), "an empty stream is still a zlib stream");
    }
}
