//! Population semantics on the CPU against independent truths: the closed form of Euler's
//! recursion, the float32 refractory running sum, reset rules, and the clock.

use spikegpu::Population;
use spikegpu::cells::{LifCell, LifParams};
use spikegpu::integrators::Integrator;
use spikegpu::run::{Drive, Record};

fn population(p: LifParams, n: usize, b: usize) -> Population<spikegpu::CpuBackend> {
    Population::cpu(Box::new(LifCell::new(p).expect("valid")), n, b, 0).expect("valid shape")
}

#[test]
fn subthreshold_voltage_follows_the_closed_form() {
    // Euler on tau dv/dt = (v_rest - v) + jR: v_k = v_rest + jR (1 - (1 - dt/tau)^k).
    // Midpoint: the factor is (1 - h + h²/2) with h = dt/tau.
    for integrator in [Integrator::Euler, Integrator::Midpoint] {
        let p = LifParams {
            integration_type: integrator,
            thr: 100.0,
            ..LifParams::with_tau_m(10.0)
        };
        let mut pop = population(p, 3, 1);
        let j = [2.0f32, 5.0, 9.0];
        pop.set_input(&j).expect("input");
        let h = 0.1f64 / 10.0;
        let factor = match integrator {
            Integrator::Euler => 1.0 - h,
            _ => 1.0 - h + h * h / 2.0,
        };
        for k in 1..=400 {
            pop.step(0.1).expect("step");
            let v = pop.read("v").expect("v");
            for (n, &jn) in j.iter().enumerate() {
                let exact = -65.0 + f64::from(jn) * (1.0 - factor.powi(k));
                assert!(
                    (f64::from(v[n]) - exact).abs() < 1e-4,
                    "{integrator} step {k} unit {n}: {} vs {exact}",
                    v[n]
                );
            }
        }
    }
}

#[test]
fn refractory_blocks_input_for_51_steps_at_dt_0_1() {
    // The float32 running sum of 0.1 reaches only 4.9999976 after 50 additions.
    let p = LifParams {
        tau_theta: 0.0,
        v_reset: -65.0,
        ..LifParams::with_tau_m(10.0)
    };
    let mut pop = population(p, 1, 1);
    pop.write("v", &[-51.0]).expect("v");
    pop.set_input(&[0.0]).expect("input");
    pop.step(0.1).expect("spike step");
    assert_eq!(pop.read("s").expect("s"), vec![1.0]);
    // One unblocked step lifts v by 2000·0.1/10 = 20 mV, from −65 to −45 > thr.
    pop.set_input(&[2000.0]).expect("huge input");
    for k in 0..51 {
        pop.step(0.1).expect("step");
        assert_eq!(pop.read("s").expect("s"), vec![0.0], "blocked step {k}");
        assert!(
            pop.read("v").expect("v")[0] <= -65.0 + 1e-6,
            "input leaked in at step {k}"
        );
    }
    pop.step(0.1).expect("step");
    assert_eq!(
        pop.read("s").expect("s"),
        vec![1.0],
        "the input is unblocked on step 52"
    );
}

#[test]
fn reset_keeps_thr_theta_and_restarts_the_clock() {
    let mut pop = population(LifParams::with_tau_m(10.0), 2, 2);
    pop.set_input(&[40.0; 4]).expect("input");
    for _ in 0..100 {
        pop.step(0.1).expect("step");
    }
    let theta = pop.read("thr_theta").expect("theta");
    assert!(
        theta.iter().all(|&x| x > 0.0),
        "every unit spiked and adapted: {theta:?}"
    );
    pop.reset().expect("reset");
    assert_eq!(pop.read("thr_theta").expect("theta"), theta);
    assert_eq!(pop.read("v_thr").expect("v_thr"), vec![-52.0; 4]);
    assert_eq!(pop.read("v").expect("v"), vec![-65.0; 4]);
    assert_eq!(pop.read("j").expect("j"), vec![0.0; 4]);
    assert_eq!(pop.read("rfr").expect("rfr"), vec![5.0; 4]);
    // The first step after reset is stamped t0 = 0: a spike there writes tols = 0.
    pop.write("v", &[-40.0; 4]).expect("v");
    pop.step(0.1).expect("step");
    assert_eq!(pop.read("s").expect("s"), vec![1.0; 4]);
    assert_eq!(pop.read("tols").expect("tols"), vec![0.0; 4]);
}

#[test]
fn time_stamps_follow_t0_plus_k_dt() {
    let mut pop = population(
        LifParams {
            tau_theta: 0.0,
            refract_time: 0.0,
            ..LifParams::with_tau_m(10.0)
        },
        1,
        1,
    );
    pop.set_time(2.5);
    for k in 0..37 {
        pop.write("v", &[-40.0]).expect("v");
        pop.step(0.1).expect("step");
        let expected = (2.5 + f64::from(k) * 0.1) as f32;
        assert_eq!(
            pop.read("tols").expect("tols")[0].to_bits(),
            expected.to_bits(),
            "step {k}"
        );
    }
}

#[test]
fn run_equals_single_steps_and_leaves_the_last_input_in_j() {
    let p = LifParams {
        one_spike: true,
        ..LifParams::with_tau_m(10.0)
    };
    let (n, b, steps) = (5, 3, 40);
    let inputs: Vec<f32> = (0..steps * n * b).map(|i| 20.0 + (i % 17) as f32).collect();
    let mut stepped = population(p.clone(), n, b);
    for k in 0..steps {
        stepped.set_input(&inputs[k * n * b..(k + 1) * n * b]).expect("input");
        stepped.step(0.1).expect("step");
    }
    let mut ran = population(p, n, b);
    ran.run(steps, 0.1, Drive::Buffer(&inputs), &Record::none())
        .expect("run");
    for name in ["j", "v", "rfr", "thr_theta", "surrogate", "v_thr", "s", "s_raw", "tols"] {
        assert_eq!(
            ran.read(name).expect("read"),
            stepped.read(name).expect("read"),
            "{name}"
        );
    }
    assert_eq!(ran.key(), stepped.key());
}

#[test]
fn batch_rows_are_independent() {
    // Row b of a batch equals a batch-1 population fed row b's input (one_spike draws depend
    // on the flat index, so compare without it).
    let p = LifParams::with_tau_m(10.0);
    let (n, b) = (6, 3);
    let inputs: Vec<f32> = (0..n * b).map(|i| 15.0 + 3.0 * i as f32).collect();
    let mut batch = population(p.clone(), n, b);
    batch.set_input(&inputs).expect("input");
    for _ in 0..200 {
        batch.step(0.1).expect("step");
    }
    for row in 0..b {
        let mut single = population(p.clone(), n, 1);
        single.set_input(&inputs[row * n..(row + 1) * n]).expect("input");
        for _ in 0..200 {
            single.step(0.1).expect("step");
        }
        assert_eq!(
            batch.read("v").expect("v")[row * n..(row + 1) * n],
            single.read("v").expect("v")[..]
        );
    }
}
