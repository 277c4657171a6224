//! Tests of `bench.rs`.
use super::*;

fn s(name: &str, value: u64, unit: &str) -> Sample {
    Sample {
        name: name.into(),
        value,
        unit: unit.into(),
    }
}

#[test]
fn reads_results_until_done() {
    let log = "hypervisor: starting\n\
               bench: ipc_roundtrip=1234 cycles\r\n\
               root-pd: something else\n\
               bench:  pd.create=98765432109 ns  \n\
               bench: done\n\
               bench: late=1 cycles\n";
    let p = parse(log);
    assert_eq!(
        p.results,
        [
            s("ipc_roundtrip", 1234, "cycles"),
            s("pd.create", 98765432109, "ns")
        ]
    );
    assert!(p.done);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn malformed_lines_are_ignored_with_a_warning() {
    let log = "bench: a=1 cycles\n\
               bench: b=-3 cycles\n\
               bench: c=12\n\
               bench: d=1.5 us\n\
               bench: =4 cycles\n\
               bench: e f=4 cycles\n\
               bench: g=4 cycles extra\n\
               bench: h=99999999999999999999999 cycles\n\
               bench: a=2 cycles\n\
               bench: donee\n\
               xbench: x=1 cycles\n\
               bench: done\n";
    let p = parse(log);
    assert_eq!(p.results, [s("a", 1, "cycles")]);
    assert!(p.done);
    assert_eq!(p.warnings.len(), 9, "{:#?}", p.warnings);
    assert!(
        p.warnings[0].starts_with("line 2: malformed"),
        "{}",
        p.warnings[0]
    );
    assert!(
        p.warnings[0].ends_with("`bench: b=-3 cycles`"),
        "{}",
        p.warnings[0]
    );
    assert_eq!(p.warnings[7], "line 9: duplicate result `a` ignored");
}

#[test]
fn a_missing_done_is_reported() {
    let p = parse("bench: a=1 cycles\nbench: b=2 cycles\n");
    assert!(!p.done);
    assert_eq!(p.results.len(), 2);
    assert_eq!(parse(""), Parsed::default());
}

#[test]
fn table_aligns_the_columns() {
    let t = table(&[s("ipc_roundtrip", 1234, "cycles"), s("x", 7, "ns")]);
    assert_eq!(
        t,
        "name           value  unit\n\
         ipc_roundtrip   1234  cycles\n\
         x                  7  ns\n"
    );
}

#[test]
fn json_says_how_the_figures_were_taken() {
    let mut setup = Setup {
        platform: Platform::Tcg,
        icount: true,
        cpu: "qemu max".into(),
        smp: 2,
        date: "2025-01-02T03:04:05Z".into(),
    };
    let json = results_json(&setup, &[s("ipc_roundtrip", 1234, "cycles")]);
    assert_eq!(
        json,
        json!({
            "accel": "tcg", "deterministic": true, "icount": true, "cpu": "qemu max",
            "smp": 2, "date": "2025-01-02T03:04:05Z",
            "results": [{"name": "ipc_roundtrip", "value": 1234, "unit": "cycles"}],
        })
    );
    setup.icount = false;
    assert!(!setup.deterministic());
    setup.platform = Platform::Kvm;
    assert_eq!(results_json(&setup, &[])["deterministic"], false);
    assert_eq!(results_json(&setup, &[])["accel"], "kvm");
    setup.platform = Platform::Bochs;
    assert!(setup.deterministic());
}

#[test]
fn dates_are_utc_iso8601() {
    assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
    assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(iso8601(1_735_787_045), "2025-01-02T03:04:05Z");
    assert_eq!(iso8601(4_107_542_399), "2100-02-28T23:59:59Z");
}

#[test]
fn host_model_is_the_first_model_name() {
    let info = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n\
                model name\t: other\n";
    assert_eq!(host_model(info).as_deref(), Some("AMD EPYC 7B13"));
    assert_eq!(host_model("flags: fpu\n"), None);
}

#[test]
fn guests_report_through_their_vmm_prefix_but_cannot_end_the_run() {
    let log = "bench: a=1 cycles\n\
               [bench] bench: vmm_exit_pio=900 cycles\n\
               [bench] testkernel: bench: start, 16 MiB\n\
               [bench] bench: done\n\
               [two words] bench: x=1 cycles\n\
               [] bench: y=1 cycles\n\
               bench: done\n";
    let p = parse(log);
    assert_eq!(
        p.results,
        [s("a", 1, "cycles"), s("vmm_exit_pio", 900, "cycles")]
    );
    assert!(p.done);
    assert_eq!(
        p.warnings,
        ["line 4: a guest cannot end the run; ignored"],
        "{:#?}",
        p.warnings
    );
}
