// JAX threefry2x32, partitionable layout. Twin of src/rng.rs (keep the two in step).
// Element i of a draw depends only on (key, i): counter (0, i) for fewer than 2^32 elements.

fn rng_rotl(x: u32, r: u32) -> u32 {
    return (x << r) | (x >> (32u - r));
}

// src/rng.rs `threefry2x32`: 20 rounds, five key injections.
fn threefry2x32(key: vec2<u32>, counter: vec2<u32>) -> vec2<u32> {
    // `var`, not `let`: WGSL only allows dynamic indexing of arrays held in variables.
    var ks = array<u32, 3>(key.x, key.y, key.x ^ key.y ^ 0x1BD11BDAu);
    var x0 = counter.x + ks[0];
    var x1 = counter.y + ks[1];
    for (var g = 0u; g < 5u; g++) {
        var rot = vec4<u32>(13u, 15u, 26u, 6u);
        if (g % 2u == 1u) {
            rot = vec4<u32>(17u, 29u, 16u, 24u);
        }
        for (var r = 0u; r < 4u; r++) {
            x0 = x0 + x1;
            x1 = rng_rotl(x1, rot[r]) ^ x0;
        }
        x0 = x0 + ks[(g + 1u) % 3u];
        x1 = x1 + ks[(g + 2u) % 3u] + (g + 1u);
    }
    return vec2<u32>(x0, x1);
}

// src/rng.rs `Key::split`: the key of counter (0, i).
fn rng_split(key: vec2<u32>, i: u32) -> vec2<u32> {
    return threefry2x32(key, vec2<u32>(0u, i));
}

// src/rng.rs `Key::bits_at`.
fn rng_bits(key: vec2<u32>, i: u32) -> u32 {
    let y = threefry2x32(key, vec2<u32>(0u, i));
    return y.x ^ y.y;
}

// src/rng.rs `bits_to_unit_f32`: exact, no rounding involved.
fn rng_unit_f32(bits: u32) -> f32 {
    return bitcast<f32>((bits >> 9u) | 0x3F800000u) - 1.0;
}

// src/rng.rs `Key::uniform01_at`.
fn rng_uniform01(key: vec2<u32>, i: u32) -> f32 {
    return rng_unit_f32(rng_bits(key, i));
}

// The full 64-bit product a·b as (high word, low word): WGSL has no u64.
fn mul_wide(a: u32, b: u32) -> vec2<u32> {
    let a_lo = a & 0xFFFFu;
    let a_hi = a >> 16u;
    let b_lo = b & 0xFFFFu;
    let b_hi = b >> 16u;
    let p0 = a_lo * b_lo;
    let p1 = a_lo * b_hi;
    let p2 = a_hi * b_lo;
    let p3 = a_hi * b_hi;
    let mid = (p0 >> 16u) + (p1 & 0xFFFFu) + (p2 & 0xFFFFu);
    return vec2<u32>(p3 + (p1 >> 16u) + (p2 >> 16u) + (mid >> 16u), (p0 & 0xFFFFu) | (mid << 16u));
}

// Element (row·width + col) of a draw whose flat index may exceed 2^32 (src/rng.rs `bits_at`
// with a 64-bit counter).
fn rng_bits_2d(key: vec2<u32>, row: u32, width: u32, col: u32) -> u32 {
    let product = mul_wide(row, width);
    let lo = product.y + col;
    let hi = product.x + select(0u, 1u, lo < product.y);
    let y = threefry2x32(key, vec2<u32>(hi, lo));
    return y.x ^ y.y;
}
