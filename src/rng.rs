//! JAX's threefry2x32 PRNG (the "partitionable" counter layout of JAX ≥ 0.5), bit for bit.
//!
//! This is the generator ngclearn 3.2.3 uses through `jax.random`. It is specified, with
//! known-answer vectors, in `conformance/prng/README.md`; the section numbers below refer to it.
//! The WGSL twin is `shaders/lib/rng.wgsl`: both compute element `i` of a draw from
//! `(key, i)` alone, so a draw never depends on thread count or dispatch shape.
//!
//! ```
//! use spikegpu::rng::Key;
//! let (next, sub) = Key::from_seed(0).split();
//! assert_eq!(next.0, [0x6b200159, 0x99ba4efe]); // Random123's all-zero known answer
//! let u = sub.uniform01(3); // jax.random.uniform(sub, (3,))
//! assert!(u.iter().all(|&x| (0.0..1.0).contains(&x)));
//! ```

/// Rotation constants of the even (A) and odd (B) groups of four rounds (§3.1).
const ROTATIONS: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];
/// Threefry's key-schedule parity constant.
const SKEIN_PARITY: u32 = 0x1BD1_1BDA;

/// The threefry2x32 block function with 20 rounds (Random123 `threefry2x32_20`).
pub fn threefry2x32(key: [u32; 2], counter: [u32; 2]) -> [u32; 2] {
    let ks = [key[0], key[1], key[0] ^ key[1] ^ SKEIN_PARITY];
    let mut x0 = counter[0].wrapping_add(ks[0]);
    let mut x1 = counter[1].wrapping_add(ks[1]);
    for group in 0..5u32 {
        for &r in &ROTATIONS[(group % 2) as usize] {
            x0 = x0.wrapping_add(x1);
            x1 = x1.rotate_left(r) ^ x0;
        }
        x0 = x0.wrapping_add(ks[((group + 1) % 3) as usize]);
        x1 = x1.wrapping_add(ks[((group + 2) % 3) as usize]).wrapping_add(group + 1);
    }
    [x0, x1]
}

/// Maps 32 random bits to a float32 in [0, 1 − 2⁻²³]: the top 23 bits become the mantissa of a
/// number in [1, 2), minus 1 (exact). §3.6.
pub fn bits_to_unit_f32(bits: u32) -> f32 {
    f32::from_bits((bits >> 9) | 0x3F80_0000) - 1.0
}

/// A JAX PRNG key: two u32 words, `[high, low]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key(pub [u32; 2]);

impl Key {
    /// `jax.random.PRNGKey(seed)` with JAX's default `jax_enable_x64 = False` (ngclearn's
    /// setting): the seed is reduced modulo 2³² and the high word is 0 (§3.2). So
    /// `from_seed(2⁴⁰ + 5) == from_seed(5)`, exactly as in JAX.
    pub fn from_seed(seed: u64) -> Key {
        Key([0, seed as u32])
    }

    /// `jax.random.split(key, n)`: key `i` is the block of counter `(i >> 32, i)` (§3.3).
    pub fn split_n(self, n: usize) -> Vec<Key> {
        (0..n as u64).map(|i| Key(self.block(i))).collect()
    }

    /// `k_next, sub = jax.random.split(key)`.
    pub fn split(self) -> (Key, Key) {
        (Key(self.block(0)), Key(self.block(1)))
    }

    /// `jax.random.fold_in(key, data)` = the block of counter `(0, data)` (§3.4).
    pub fn fold_in(self, data: u32) -> Key {
        Key(threefry2x32(self.0, [0, data]))
    }

    /// Element `i` of `jax.random.bits(key, shape, uint32)` for any shape, `i` the row-major
    /// flat index (§3.5).
    pub fn bits_at(self, i: u64) -> u32 {
        let [y0, y1] = self.block(i);
        y0 ^ y1
    }

    /// `jax.random.bits(key, (n,), uint32)`.
    pub fn bits(self, n: usize) -> Vec<u32> {
        (0..n as u64).map(|i| self.bits_at(i)).collect()
    }

    /// Element `i` of `jax.random.uniform(key, shape)` with the default range (0, 1).
    pub fn uniform01_at(self, i: u64) -> f32 {
        bits_to_unit_f32(self.bits_at(i))
    }

    /// `jax.random.uniform(key, (n,))`, range (0, 1).
    pub fn uniform01(self, n: usize) -> Vec<f32> {
        (0..n as u64).map(|i| self.uniform01_at(i)).collect()
    }

    /// `jax.random.uniform(key, (n,), float32, minval, maxval)` with JAX-on-FMA-CPU rounding:
    /// `max(lo, fma(u, hi − lo, lo))`, the multiply-add rounded once (§3.6). `f32::mul_add` is
    /// always a single rounding, whatever the host CPU.
    pub fn uniform(self, n: usize, minval: f32, maxval: f32) -> Vec<f32> {
        let span = maxval - minval;
        (0..n as u64)
            .map(|i| minval.max(self.uniform01_at(i).mul_add(span, minval)))
            .collect()
    }

    fn block(self, i: u64) -> [u32; 2] {
        threefry2x32(self.0, [(i >> 32) as u32, i as u32])
    }
}

/// JAX's layout before `jax_threefry_partitionable` became the default (§3.7). ngclearn 3.2.3 on
/// JAX 0.12 does not use it; it is here so that tests can tell the two layouts apart and so that
/// users replaying old JAX runs can reproduce them.
pub mod legacy {
    use super::{Key, bits_to_unit_f32, threefry2x32};

    /// JAX's array helper `threefry_2x32(key, count)`: pads to even length, hashes the pairs
    /// `(c[j], c[m + j])`, returns all first words then all second words, cut to `n`.
    pub fn threefry_array(key: Key, counts: &[u32]) -> Vec<u32> {
        let mut c = counts.to_vec();
        if c.len() % 2 == 1 {
            c.push(0);
        }
        let m = c.len() / 2;
        let blocks: Vec<[u32; 2]> = (0..m).map(|j| threefry2x32(key.0, [c[j], c[m + j]])).collect();
        let mut out: Vec<u32> = blocks.iter().map(|b| b[0]).chain(blocks.iter().map(|b| b[1])).collect();
        out.truncate(counts.len());
        out
    }

    /// Legacy `split(key, n)`.
    pub fn split_n(key: Key, n: usize) -> Vec<Key> {
        let counts: Vec<u32> = (0..2 * n as u32).collect();
        threefry_array(key, &counts)
            .chunks(2)
            .map(|w| Key([w[0], w[1]]))
            .collect()
    }

    /// Legacy `bits(key, (n,))` (no XOR of the two words).
    pub fn bits(key: Key, n: usize) -> Vec<u32> {
        let counts: Vec<u32> = (0..n as u32).collect();
        threefry_array(key, &counts)
    }

    /// Legacy `uniform(key, (n,), minval, maxval)`: the float steps of the partitionable one.
    pub fn uniform(key: Key, n: usize, minval: f32, maxval: f32) -> Vec<f32> {
        let span = maxval - minval;
        bits(key, n)
            .into_iter()
            .map(|b| minval.max(bits_to_unit_f32(b).mul_add(span, minval)))
            .collect()
    }
}
