//! The population-wide cells (WTAS, SLIF, LIF/QuadLIF selection): row reductions on the GPU
//! against the CPU for any row length, bitwise determinism, construction draws, and SLIF's
//! regenerated inhibition weights.

mod common;

use common::{hex_list, json, key};
use spikegpu::cells::slif::{inhibition_key, inhibition_weight, unit_weight};
use spikegpu::cells::{CellModel, LifCell, LifParams, QuadLifParams, SlifCell, SlifParams, WtasCell, WtasParams};
use spikegpu::conformance::{Outcome, Trace};
use spikegpu::reductions::{ROW_CHUNK, row_sum, row_sum_of, workgroup_sum, workgroup_sum_of};
use spikegpu::rng::Key;
use spikegpu::run::{Drive, Record};
use spikegpu::selfcheck::{self, Exactness};
use spikegpu::{Error, Population};

/// Row lengths shorter than, equal to and longer than a workgroup, a batch of rows of three
/// chunks (the last one short), a long odd row, and batches.
const SHAPES: [(usize, usize); 7] = [
    (1, 1),
    (7, 3),
    (256, 2),
    (257, 2),
    (2 * ROW_CHUNK + 3, 3),
    (100_003, 1),
    (5, 300),
];

fn reduction_cells() -> Vec<(&'static str, Box<dyn CellModel>)> {
    let lif = |one_spike, max_one_spike| {
        Box::new(
            LifCell::new(LifParams {
                one_spike,
                max_one_spike,
                ..LifParams::with_tau_m(10.0)
            })
            .expect("valid"),
        ) as Box<dyn CellModel>
    };
    let quad = LifCell::quadratic(QuadLifParams {
        one_spike: true,
        ..QuadLifParams::with_tau_m(10.0)
    })
    .expect("valid");
    let slif = |resist_inh, rho_b| {
        let p = SlifParams {
            resist_inh,
            rho_b,
            ..SlifParams::new(10.0, 1.0, 0.5)
        };
        Box::new(SlifCell::new(p).expect("valid")) as Box<dyn CellModel>
    };
    vec![
        (
            "wtas",
            Box::new(WtasCell::new(WtasParams::with_tau_m(1.0)).expect("valid")),
        ),
        ("lif one_spike", lif(true, false)),
        ("lif max_one_spike", lif(false, true)),
        ("quad_lif one_spike", Box::new(quad)),
        ("slif rho_b", slif(0.0, 1e-5)),
        ("slif inhibition", slif(1e-4, 0.0)),
    ]
}

#[test]
fn row_reductions_match_the_cpu_for_any_row_length() {
    let Some(ctx) = common::gpu() else { return };
    for (name, cell) in reduction_cells() {
        for (n, b) in SHAPES {
            // Inhibition costs spikes × N per step; keep the long row for the other cells.
            if name == "slif inhibition" && n > 10_000 {
                continue;
            }
            let outcome = selfcheck::check_variant(&ctx, cell.as_ref(), n, b, 17).expect("check runs");
            assert!(matches!(outcome, Outcome::Pass(_)), "{name} {b}×{n}: {outcome:?}");
        }
    }
}

/// Rows of one chunk, just over one, several with a short last chunk, and a long one, in batches.
const CHUNK_SHAPES: [(usize, usize); 5] = [
    (ROW_CHUNK, 2),
    (ROW_CHUNK + 1, 1),
    (3 * ROW_CHUNK + 5, 2),
    (100_003, 3),
    (300, 2),
];

#[test]
fn sums_of_slices_add_in_the_order_of_the_indexed_sums() {
    // The CPU's hot loops sum slices; the order, and so every bit, must stay the GPU's.
    for n in [
        0,
        1,
        255,
        256,
        257,
        1000,
        ROW_CHUNK - 1,
        ROW_CHUNK,
        ROW_CHUNK + 1,
        3 * ROW_CHUNK + 77,
        100_003,
    ] {
        let values = Key::from_seed(7 + n as u64).uniform(n, -3.0, 7.0);
        let indexed = row_sum(n, |k| values[k]);
        assert_eq!(row_sum_of(&values).to_bits(), indexed.to_bits(), "row_sum, n = {n}");
        let indexed = workgroup_sum(n, |k| values[k]);
        assert_eq!(
            workgroup_sum_of(&values).to_bits(),
            indexed.to_bits(),
            "workgroup_sum, n = {n}"
        );
    }
}

#[test]
fn short_rows_sum_in_the_single_workgroup_order() {
    // row_sum's second level is the identity for one chunk, so short rows keep today's bits.
    for n in [1, 255, 256, 257, 1000, ROW_CHUNK] {
        let values = Key::from_seed(n as u64).uniform(n, -3.0, 7.0);
        let two_level = workgroup_sum(1, |_| workgroup_sum(n, |k| values[k]));
        assert_eq!(row_sum(n, |k| values[k]).to_bits(), two_level.to_bits(), "n = {n}");
        assert_eq!(
            row_sum(n, |k| values[k]).to_bits(),
            workgroup_sum(n, |k| values[k]).to_bits()
        );
    }
}

/// A WTAS row whose spikes reveal the last bit of the softmax's sum: with `total` summed in
/// [`row_sum`]'s order, p = exp(v − max)/total, even units get thr = p (no spike: p > thr is
/// false) and odd units the next float below p (a spike). A sum one ulp smaller raises some p
/// above their thr (extra spikes); one ulp larger drops some p to their thr (missing spikes).
fn wtas_probe_row(n: usize, row: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>, f32) {
    let j = Key::from_seed(31 + row as u64).uniform(n, 0.0, 20.0);
    let max = j.iter().copied().fold(f32::MIN, f32::max);
    let e = |k: usize| spikegpu::math::exp(j[k] - max);
    let total = row_sum(n, e);
    let p: Vec<f32> = (0..n).map(|k| e(k) / total).collect();
    let thr: Vec<f32> = p
        .iter()
        .enumerate()
        .map(|(k, &p)| if k % 2 == 0 { p } else { f32::from_bits(p.to_bits() - 1) })
        .collect();
    let s = (0..n).map(|k| (k % 2) as f32).collect();
    (j, thr, s, total)
}

#[test]
fn wtas_long_rows_spike_as_the_fixed_order_sum_says() {
    let Some(ctx) = common::gpu() else { return };
    let cell = WtasCell::new(WtasParams::with_tau_m(1.0)).expect("valid");
    let mut long_rows_telling_orders_apart = 0;
    for (n, b) in CHUNK_SHAPES {
        let (mut j, mut thr, mut want_s) = (Vec::new(), Vec::new(), Vec::new());
        for row in 0..b {
            let (j_row, thr_row, s_row, total) = wtas_probe_row(n, row);
            if n > ROW_CHUNK {
                let max = j_row.iter().copied().fold(f32::MIN, f32::max);
                let one_level = workgroup_sum(n, |k| spikegpu::math::exp(j_row[k] - max));
                long_rows_telling_orders_apart += usize::from(total != one_level);
            }
            j.extend(j_row);
            thr.extend(thr_row);
            want_s.extend(s_row);
        }
        let mut cpu = Population::cpu(Box::new(cell.clone()), n, b, 3).expect("population");
        let mut gpu = Population::gpu(&ctx, Box::new(cell.clone()), n, b, 3).expect("population");
        cpu.write("thr", &thr).expect("thr");
        gpu.write("thr", &thr).expect("thr");
        cpu.set_input(&j).expect("input");
        gpu.set_input(&j).expect("input");
        cpu.step(1.0).expect("step");
        gpu.step(1.0).expect("step");
        assert!(cpu.read("s").expect("s") == want_s, "{b}×{n}: CPU spikes");
        // Hardware may contract a multiply-add inside exp (the cell's GPU tolerance); software
        // adapters compute the CPU's bits.
        if ctx.adapter.is_software() {
            assert!(gpu.read("s").expect("s") == want_s, "{b}×{n}: GPU spikes");
            let diff = selfcheck::compare_populations(&mut gpu, &mut cpu, Exactness::Bitwise).expect("read");
            assert_eq!(diff, None, "{b}×{n}");
        }
    }
    // Where the two-level sum differs from one workgroup's, a GPU that summed in the old order
    // would fail above (else the test proves nothing).
    assert!(
        long_rows_telling_orders_apart >= 3,
        "{long_rows_telling_orders_apart} of 6"
    );
}

#[test]
fn slif_inhibition_on_a_long_row_matches_the_cpu() {
    let Some(ctx) = common::gpu() else { return };
    // N = 100,003 with inhibition, alone and with rho_b (the row pass, the element step and the
    // chunk passes together): few spikes per step keep the spikes × N cost small.
    // rho_b = 0.01: a count one off moves every threshold by 2 % (far beyond the tolerance).
    for rho_b in [0.0, 0.01] {
        let p = SlifParams {
            resist_inh: 1e-4,
            rho_b,
            thr_jitter: 0.0,
            ..SlifParams::new(10.0, 1.0, 0.5)
        };
        let cell = SlifCell::new(p).expect("valid");
        let n = 100_003;
        let mut gpu = Population::gpu(&ctx, Box::new(cell.clone()), n, 1, 9).expect("population");
        let mut cpu = Population::cpu(Box::new(cell), n, 1, 9).expect("population");
        // A few units just below threshold with a strong input: they spike on step 1 and inhibit
        // everyone on step 2.
        let mut v = vec![0.0f32; n];
        let mut j = vec![0.1f32; n];
        for k in (0..n).step_by(9973) {
            v[k] = 0.49;
            j[k] = 20.0;
        }
        gpu.write("v", &v).expect("v");
        cpu.write("v", &v).expect("v");
        for _ in 0..3 {
            gpu.set_input(&j).expect("input");
            cpu.set_input(&j).expect("input");
            gpu.step(1.0).expect("step");
            cpu.step(1.0).expect("step");
        }
        let diff = selfcheck::compare_populations(&mut gpu, &mut cpu, Exactness::Tolerance(1e-4)).expect("read");
        assert_eq!(diff, None, "rho_b {rho_b}");
        assert!(cpu.read("tols").expect("tols").iter().filter(|&&t| t > 0.0).count() >= 10);
    }
}

#[test]
fn reductions_are_deterministic_run_to_run() {
    let Some(ctx) = common::gpu() else { return };
    for (name, cell) in reduction_cells() {
        let (n, b, steps) = if name == "slif inhibition" {
            (2_000, 2, 12)
        } else {
            (100_003, 2, 12)
        };
        let (lo, hi) = if name == "wtas" { (0.0, 2000.0) } else { (0.0, 60.0) };
        let inputs = Key::from_seed(21).uniform(n * b * steps, lo, hi);
        let mut results = Vec::new();
        for _ in 0..2 {
            let mut pop = Population::gpu(&ctx, cell.boxed(), n, b, 5).expect("population");
            pop.run(steps, cell.check_dt(), Drive::Buffer(&inputs), &Record::none())
                .expect("run");
            let all: Vec<Vec<u32>> = cell
                .compartments()
                .iter()
                .map(|c| pop.read(c.name).expect("read").iter().map(|x| x.to_bits()).collect())
                .collect();
            results.push(all);
        }
        assert!(results[0] == results[1], "{name}: two identical runs differ");
    }
}

#[test]
fn construction_draws_are_ngclearns() {
    let Some(dir) = common::conformance_dir() else { return };
    let draws = json(&dir.join("prng/ngclearn_init_draws.json"));
    for case in draws["WTASCell"].as_array().expect("cases") {
        let n = case["n_units"].as_u64().expect("n") as usize;
        let p = WtasParams {
            thr_base: case["thr_base"].as_f64().expect("base") as f32,
            thr_jitter: case["thr_jitter"].as_f64().expect("jitter") as f32,
            ..WtasParams::with_tau_m(1.0)
        };
        let seed = key(&case["key0"]).0[1] as u64;
        let mut pop = Population::cpu(Box::new(WtasCell::new(p).expect("valid")), n, 2, seed).expect("population");
        let thr: Vec<u32> = pop.read("thr").expect("thr").iter().map(|x| x.to_bits()).collect();
        let want = hex_list(&case["thr_hex"]);
        assert_eq!(&thr[..n], &want[..], "WTAS seed {seed}");
        assert_eq!(&thr[n..], &want[..], "every batch row holds the same draw");
    }
    for case in draws["SLIFCell"].as_array().expect("cases") {
        let n = case["n_units"].as_u64().expect("n") as usize;
        let p = SlifParams {
            thr_jitter: case["thr_jitter"].as_f64().expect("jitter") as f32,
            ..SlifParams::new(10.0, 1.0, case["thr"].as_f64().expect("thr") as f32)
        };
        let seed = key(&case["key0"]).0[1] as u64;
        let mut pop =
            Population::cpu(Box::new(SlifCell::new(p.clone()).expect("valid")), n, 1, seed).expect("population");
        let thr: Vec<u32> = pop.read("thr").expect("thr").iter().map(|x| x.to_bits()).collect();
        assert_eq!(thr, hex_list(&case["thr_init_hex"]), "SLIF seed {seed}");
        // Without thr_persist, reset restores the draw; with it, the thresholds are kept.
        pop.write("thr", &vec![9.0; n]).expect("thr");
        pop.reset().expect("reset");
        assert_eq!(
            pop.read("thr")
                .expect("thr")
                .iter()
                .map(|x| x.to_bits())
                .collect::<Vec<_>>(),
            thr
        );
        let persist = SlifCell::new(SlifParams { thr_persist: true, ..p }).expect("valid");
        let mut pop = Population::cpu(Box::new(persist), n, 1, seed).expect("population");
        pop.write("thr", &vec![9.0; n]).expect("thr");
        pop.reset().expect("reset");
        assert_eq!(pop.read("thr").expect("thr"), vec![9.0; n]);
        // The inhibition matrix, regenerated entry by entry.
        let w_key = inhibition_key(key(&case["key0"]));
        let weights: Vec<u32> = (0..n * n)
            .map(|i| inhibition_weight(w_key, n, i / n, i % n).to_bits())
            .collect();
        assert_eq!(weights, hex_list(&case["inh_weights_hex"]), "SLIF weights seed {seed}");
    }
}

#[test]
fn rng_traces_start_from_the_drawn_thresholds_bit_for_bit() {
    let Some(dir) = common::conformance_dir() else { return };
    for file in [
        "WTASCell_default_jitter_rng.json",
        "SLIFCell_euler_default_jitter_rng.json",
    ] {
        let trace = Trace::load(&dir.join(file)).expect("trace");
        let mut pop =
            Population::cpu(trace.build_cell().expect("cell"), trace.n_units, 1, trace.key_seed).expect("population");
        let thr: Vec<u32> = pop.read("thr").expect("thr").iter().map(|x| x.to_bits()).collect();
        let want: Vec<u32> = trace.initial["thr"].iter().map(|x| x.to_bits()).collect();
        assert_eq!(thr, want, "{file}");
    }
}

#[test]
fn the_integer_weight_is_the_fused_multiply_add_for_every_draw() {
    // ngclearn's weight is u·(1 − 0.025) + 0.025 rounded once; `unit_weight` computes it in
    // integers (so a GPU without a fused multiply-add gets it too): every one of the 2²³ draws.
    let span = 1.0f32 - 0.025;
    let mut unfused_differs = 0;
    for mantissa in 0..1u32 << 23 {
        let u = mantissa as f32 * (1.0 / 8_388_608.0);
        let fused = u.mul_add(span, 0.025);
        assert_eq!(unit_weight(mantissa).to_bits(), fused.to_bits(), "mantissa {mantissa}");
        unfused_differs += usize::from((u * span + 0.025).to_bits() != fused.to_bits());
    }
    // Two roundings differ often enough that a twice-rounding GPU could not match ngclearn.
    assert!(unfused_differs > 1000, "{unfused_differs}");
}

#[test]
fn population_wide_cells_reject_bad_parameters() {
    assert!(matches!(
        WtasCell::new(WtasParams {
            thr_jitter: -0.1,
            ..WtasParams::with_tau_m(1.0)
        }),
        Err(Error::InvalidParameter { name: "thr_jitter", .. })
    ));
    assert!(matches!(
        SlifCell::new(SlifParams {
            thr_jitter: -0.1,
            ..SlifParams::new(10.0, 1.0, 0.5)
        }),
        Err(Error::InvalidParameter { name: "thr_jitter", .. })
    ));
    assert!(matches!(
        SlifCell::new(SlifParams {
            resist_inh: -1.0,
            ..SlifParams::new(10.0, 1.0, 0.5)
        }),
        Err(Error::InvalidParameter { name: "resist_inh", .. })
    ));
    assert!(matches!(
        SlifCell::new(SlifParams {
            rho_b: -1.0,
            ..SlifParams::new(10.0, 1.0, 0.5)
        }),
        Err(Error::InvalidParameter { name: "rho_b", .. })
    ));
    assert!(matches!(
        WtasCell::new(WtasParams::with_tau_m(0.0)),
        Err(Error::InvalidParameter { name: "tau_m", .. })
    ));
    let slif = SlifCell::new(SlifParams::new(10.0, 1.0, 0.5)).expect("valid");
    assert!(matches!(
        Population::cpu(Box::new(slif), 0, 1, 0),
        Err(Error::InvalidShape(_))
    ));
    let missing = serde_json::json!({"tau_m": 10.0, "thr": 0.5});
    assert!(matches!(
        SlifCell::from_params(missing.as_object().expect("object")),
        Err(Error::InvalidParameter { name: "resist_m", .. })
    ));
}
