//! Every known-answer vector file of `conformance/prng/` against `spikegpu::rng`, on the CPU.

mod common;

use common::{hex_list, json, key, scalar, shape_len};
use spikegpu::rng::{Key, legacy, threefry2x32};

fn prng_file(name: &str) -> Option<serde_json::Value> {
    common::conformance_dir().map(|d| json(&d.join("prng").join(name)))
}

fn cases<'a>(v: &'a serde_json::Value, list: &str) -> &'a Vec<serde_json::Value> {
    v[list].as_array().unwrap_or_else(|| panic!("no `{list}` list"))
}

fn bits_of(values: &[f32]) -> Vec<u32> {
    values.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn block_function_matches_random123_and_jax() {
    let Some(v) = prng_file("threefry2x32_block.json") else {
        return;
    };
    for case in cases(&v, "cases") {
        let k = hex_list(&case["key"]);
        let c = hex_list(&case["counter"]);
        let out = threefry2x32([k[0], k[1]], [c[0], c[1]]);
        assert_eq!(out.to_vec(), hex_list(&case["output"]), "{case}");
    }
}

#[test]
fn prng_key_from_seed_with_x64_off() {
    let Some(v) = prng_file("prng_key.json") else {
        return;
    };
    for case in cases(&v, "cases") {
        let seed = case["seed"]
            .as_i64()
            .map(|s| s as u64)
            .or_else(|| case["seed"].as_u64())
            .expect("integer seed");
        assert_eq!(Key::from_seed(seed), key(&case["key"]), "seed {seed}");
    }
}

#[test]
fn split_shapes_and_chains() {
    let Some(v) = prng_file("split.json") else {
        return;
    };
    for case in cases(&v, "split") {
        let n = shape_len(&case["num"]).max(case["num"].as_u64().unwrap_or(0) as usize);
        let keys = key(&case["key"]).split_n(n);
        let want: Vec<Key> = case["keys"].as_array().expect("keys").iter().map(key).collect();
        assert_eq!(keys, want, "{case}");
    }
    for chain in cases(&v, "chains") {
        let mut k = key(&chain["key0"]);
        for step in chain["steps"].as_array().expect("steps") {
            let (next, sub) = k.split();
            assert_eq!(next, key(&step["key"]), "chain step {}", step["step"]);
            assert_eq!(sub, key(&step["subkey"]), "chain step {}", step["step"]);
            k = next;
        }
    }
}

#[test]
fn fold_in_is_one_block() {
    let Some(v) = prng_file("fold_in.json") else {
        return;
    };
    for case in cases(&v, "cases") {
        let data = case["data"].as_u64().expect("data") as u32;
        assert_eq!(key(&case["key"]).fold_in(data), key(&case["result"]), "{case}");
    }
}

#[test]
fn random_bits_every_shape() {
    let Some(v) = prng_file("random_bits.json") else {
        return;
    };
    for case in cases(&v, "cases") {
        let n = shape_len(&case["shape"]);
        assert_eq!(key(&case["key"]).bits(n), hex_list(&case["bits"]), "{}", case["shape"]);
    }
}

#[test]
fn uniform_with_fused_multiply_add() {
    let Some(v) = prng_file("uniform_f32.json") else {
        return;
    };
    let mut fused_matters = 0;
    for case in cases(&v, "cases") {
        let n = shape_len(&case["shape"]);
        let (lo, hi) = (scalar(&case["minval"]), scalar(&case["maxval"]));
        let got = key(&case["key"]).uniform(n, lo, hi);
        assert_eq!(
            bits_of(&got),
            hex_list(&case["values_hex"]),
            "{} range ({lo}, {hi})",
            case["shape"]
        );
        if lo == 0.0 && hi == 1.0 {
            assert_eq!(bits_of(&key(&case["key"]).uniform01(n)), hex_list(&case["values_hex"]));
        }
        fused_matters += case["n_elements_that_differ_if_unfused"].as_u64().unwrap_or(0);
    }
    assert!(
        fused_matters > 0,
        "the file should hold cases where an unfused multiply-add differs"
    );
}

#[test]
fn ngclearn_construction_draws() {
    let Some(v) = prng_file("ngclearn_init_draws.json") else {
        return;
    };
    for case in cases(&v, "WTASCell") {
        let n = case["n_units"].as_u64().expect("n") as usize;
        let jitter = case["thr_jitter"].as_f64().expect("jitter") as f32;
        let base = case["thr_base"].as_f64().expect("base") as f32;
        let (_, sub) = key(&case["key0"]).split();
        assert_eq!(sub, key(&case["subkey"]));
        let draw = sub.uniform(n, -jitter, jitter);
        assert_eq!(
            bits_of(&draw),
            hex_list(&case["jitter_hex"]),
            "WTAS seed {}",
            case["seed"]
        );
        let thr: Vec<f32> = draw.iter().map(|d| base + d).collect();
        assert_eq!(bits_of(&thr), hex_list(&case["thr_hex"]), "WTAS seed {}", case["seed"]);
    }
    for case in cases(&v, "SLIFCell") {
        let n = case["n_units"].as_u64().expect("n") as usize;
        let jitter = case["thr_jitter"].as_f64().expect("jitter") as f32;
        let base = case["thr"].as_f64().expect("thr") as f32;
        let (k1, sub1) = key(&case["key0"]).split();
        assert_eq!(sub1, key(&case["subkey1"]));
        let weights: Vec<f32> = sub1
            .uniform(n * n, 0.025, 1.0)
            .iter()
            .enumerate()
            .map(|(i, w)| if i / n == i % n { 0.0 } else { *w })
            .collect();
        assert_eq!(
            bits_of(&weights),
            hex_list(&case["inh_weights_hex"]),
            "SLIF seed {}",
            case["seed"]
        );
        let (_, sub2) = k1.split();
        assert_eq!(sub2, key(&case["subkey2"]));
        let draw = sub2.uniform(n, -jitter, jitter);
        assert_eq!(bits_of(&draw), hex_list(&case["jitter_hex"]));
        let thr: Vec<f32> = draw.iter().map(|d| base + d).collect();
        assert_eq!(
            bits_of(&thr),
            hex_list(&case["thr_init_hex"]),
            "SLIF seed {}",
            case["seed"]
        );
    }
}

#[test]
fn lif_one_spike_key_chain_and_selection() {
    let Some(v) = prng_file("lif_one_spike_steps.json") else {
        return;
    };
    let steps = cases(&v, "steps");
    assert_eq!(steps.len(), 200);
    let mut k = key(&steps[0]["key_in"]);
    for step in steps {
        assert_eq!(k, key(&step["key_in"]));
        let (next, sub) = k.split();
        assert_eq!(next, key(&step["key_out"]));
        assert_eq!(sub, key(&step["subkey"]));
        let u = sub.uniform01(8);
        assert_eq!(bits_of(&u), hex_list(&step["u_hex"]), "step {}", step["step"]);
        k = next;
    }
}

#[test]
fn legacy_layout_vectors_and_difference() {
    let Some(v) = prng_file("legacy_nonpartitionable.json") else {
        return;
    };
    for case in cases(&v, "split") {
        let n = case["num"].as_u64().expect("num") as usize;
        let want: Vec<Key> = case["keys"].as_array().expect("keys").iter().map(key).collect();
        assert_eq!(legacy::split_n(key(&case["key"]), n), want);
        assert_ne!(
            key(&case["key"]).split_n(n),
            want,
            "the partitionable layout must differ"
        );
    }
    for case in cases(&v, "bits") {
        let n = shape_len(&case["shape"]);
        assert_eq!(legacy::bits(key(&case["key"]), n), hex_list(&case["bits"]));
    }
    for case in cases(&v, "uniform") {
        let n = shape_len(&case["shape"]);
        let got = legacy::uniform(key(&case["key"]), n, scalar(&case["minval"]), scalar(&case["maxval"]));
        assert_eq!(bits_of(&got), hex_list(&case["values_hex"]));
    }
    for case in cases(&v, "fold_in") {
        let data = case["data"].as_u64().expect("data") as u32;
        assert_eq!(
            key(&case["key"]).fold_in(data),
            key(&case["result"]),
            "fold_in is layout-independent"
        );
    }
}

#[test]
fn readme_minimal_self_check() {
    // From the PRNG README's closing paragraph: independent of the JSON files.
    let (k0, _) = Key::from_seed(0).split();
    assert_eq!(k0.0, [0x6b20_0159, 0x99ba_4efe]);
    let u = Key::from_seed(0).uniform(5, -0.05, 0.05);
    assert_eq!(
        bits_of(&u),
        vec![0x3d37_5d4a, 0x3d44_06bd, 0xbc89_6307, 0xbb4d_559a, 0x3be5_02e7]
    );
}
