//! The template engine for invitations: minijinja, with only what cannot grow without
//! bound. A template is refused before it is compiled when it uses an operator that builds
//! values (`~`, `+`, `*`, `**`), a tag too long or blocks nested too deep for the compiler's
//! stack, and before it runs when it builds lists or maps from values, sets attributes
//! (`namespace`), captures output, calls a function or method, or sets too many names; the
//! filters it may use cap what they make and share a work budget; the output is capped;
//! fuel caps the steps. So rendering one invitation takes bounded memory and time for every
//! meeting (measured in `benches/render.rs`), not only for the sample a template is checked
//! against.

use std::borrow::Cow;
use std::cell::Cell;
use std::io;

use minijinja::machinery::{
    Instruction, Instructions, Token, WhitespaceConfig, get_compiled_template, tokenize,
};
use minijinja::tests as is;
use minijinja::value::{StringInput, Value};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, filters};
use serde::Serialize;

use crate::invitation::TemplateError;
use crate::limits::{MAX_INVITATION_BYTES, MAX_TEMPLATE_BYTES, TEMPLATE_FUEL, TEMPLATE_WORK_BYTES};

/// The filters a template may use. Documented in `docs/templates.md`.
pub const FILTERS: &[&str] = &[
    "capitalize",
    "count",
    "d",
    "default",
    "first",
    "join",
    "last",
    "length",
    "lower",
    "title",
    "trim",
    "upper",
];

/// The tests (`is ...`) a template may use. Documented in `docs/templates.md`.
pub const TESTS: &[&str] = &[
    "defined",
    "endingwith",
    "eq",
    "even",
    "false",
    "mapping",
    "ne",
    "none",
    "number",
    "odd",
    "sequence",
    "startingwith",
    "string",
    "true",
    "undefined",
];

const NAME: &str = "invitation";

/// Renders `source` with `ctx`: the template checked first, then run with capped output.
pub fn render<S: Serialize>(source: &str, ctx: S) -> Result<String, TemplateError> {
    if source.len() > MAX_TEMPLATE_BYTES {
        return Err(TemplateError {
            line: None,
            message: format!("a template has at most {} KiB", MAX_TEMPLATE_BYTES / 1024),
        });
    }
    // Before compiling: the compiler folds constant expressions, so `"x" * 99999999` would
    // be built while the template is merely read.
    check_operators(source)?;
    let mut env = environment();
    env.add_template(NAME, source)?;
    let template = env.get_template(NAME)?;
    let compiled = get_compiled_template(&template);
    check(&compiled.instructions)?;
    for block in compiled.blocks.values() {
        check(block)?;
    }
    let mut out = Capped::default();
    WORK.with(|left| left.set(TEMPLATE_WORK_BYTES));
    match template.render_captured_to(ctx, &mut out) {
        Ok(_) => {}
        Err(_) if out.overflowed => return Err(too_large(None)),
        Err(e) => return Err(e.into()),
    }
    String::from_utf8(out.bytes).map_err(|_| TemplateError {
        line: None,
        message: "the template produced text that is not UTF-8".into(),
    })
}

fn environment() -> Environment<'static> {
    let mut env = Environment::empty();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env.set_fuel(Some(TEMPLATE_FUEL));
    env.add_filter("capitalize", |v: StringInput<'_>| {
        charge(v.as_str().len())?;
        capped(filters::capitalize(v))
    });
    env.add_filter("lower", |v: StringInput<'_>| {
        charge(v.as_str().len())?;
        capped(filters::lower(v))
    });
    env.add_filter("upper", |v: StringInput<'_>| {
        charge(v.as_str().len())?;
        capped(filters::upper(v))
    });
    env.add_filter("title", |v: Cow<'_, str>| {
        charge(v.len())?;
        capped(Value::from(filters::title(v)))
    });
    env.add_filter("trim", |v: StringInput<'_>, chars: Option<Cow<'_, str>>| {
        charge(v.as_str().len())?;
        Ok::<_, Error>(filters::trim(v, chars))
    });
    env.add_filter("length", |v: &Value| {
        charge(text_len(v))?;
        filters::length(v)
    });
    env.add_filter("count", |v: &Value| {
        charge(text_len(v))?;
        filters::length(v)
    });
    env.add_filter("first", |v: &Value| {
        charge(text_len(v))?;
        filters::first(v)
    });
    env.add_filter("last", |v: Value| {
        charge(text_len(&v))?;
        filters::last(v)
    });
    env.add_filter("default", filters::default);
    env.add_filter("d", filters::default);
    env.add_filter("join", join);
    env.add_test("defined", is::is_defined);
    env.add_test("undefined", is::is_undefined);
    env.add_test("none", is::is_none);
    env.add_test("odd", is::is_odd);
    env.add_test("even", is::is_even);
    env.add_test("number", is::is_number);
    env.add_test("string", is::is_string);
    env.add_test("sequence", is::is_sequence);
    env.add_test("mapping", is::is_mapping);
    env.add_test("true", is::is_true);
    env.add_test("false", is::is_false);
    env.add_test("eq", is::is_eq);
    env.add_test("ne", is::is_ne);
    env.add_test("startingwith", is::is_startingwith);
    env.add_test("endingwith", is::is_endingwith);
    env
}

/// The most parts (names, operators, filters, literals) one `{{ }}` or `{% %}` may hold:
/// the compiler descends once per part, and a long chain would exhaust its stack.
const MAX_TAG_TOKENS: usize = 200;
/// The most blocks (`if`, `for`, ...) one may nest inside another, for the same reason.
const MAX_NESTING: usize = 24;
/// The most names a template may set (`set`, loop variables): what it can hold at once.
const MAX_NAMES_SET: usize = 100;

/// Reads the template's tokens before it is compiled: refuses the operators that build
/// values (`~`, `+`, `*`, `**`), tags too long and blocks nested too deep for the compiler,
/// naming the line.
fn check_operators(source: &str) -> Result<(), TemplateError> {
    let tokens = tokenize(
        source,
        false,
        Default::default(),
        WhitespaceConfig::default(),
    );
    let refuse = |line: u16, message: String| {
        Err(TemplateError {
            line: Some(usize::from(line)),
            message,
        })
    };
    let mut in_tag = 0usize;
    let mut depth = 0usize;
    // The tag's first name and whether it assigns (`set x = ...` opens no block).
    let mut head: Option<&str> = None;
    let mut assigns = false;
    for token in tokens {
        // A syntax error is reported, with its line, by the compiler.
        let Ok((token, span)) = token else {
            return Ok(());
        };
        let line = span.start_line;
        match token {
            Token::VariableStart | Token::BlockStart => {
                in_tag = 0;
                head = None;
                assigns = false;
                continue;
            }
            Token::BlockEnd => {
                match head {
                    Some(opener) if opens_block(opener, assigns) => {
                        depth += 1;
                        if depth > MAX_NESTING {
                            return refuse(
                                line,
                                format!(
                                    "blocks nest more than {MAX_NESTING} deep: simplify the template"
                                ),
                            );
                        }
                    }
                    Some(closer) if closer.starts_with("end") => depth = depth.saturating_sub(1),
                    _ => {}
                }
                continue;
            }
            Token::VariableEnd | Token::TemplateData(_) => continue,
            Token::Ident(name) if in_tag == 0 => head = Some(name),
            Token::Assign => assigns = true,
            Token::Plus | Token::Tilde => {
                return refuse(
                    line,
                    "joining values with `~` or `+` (write the parts side by side: \
                     {{ a }}{{ b }}) cannot be used in an invitation template"
                        .into(),
                );
            }
            Token::Mul | Token::Pow => {
                return refuse(
                    line,
                    "`*` and `**` cannot be used in an invitation template".into(),
                );
            }
            _ => {}
        }
        in_tag += 1;
        if in_tag > MAX_TAG_TOKENS {
            return refuse(
                line,
                format!("a tag holds more than {MAX_TAG_TOKENS} parts: split it"),
            );
        }
    }
    Ok(())
}

/// Whether a tag starting with `name` opens a block that an `end...` tag closes.
fn opens_block(name: &str, assigns: bool) -> bool {
    match name {
        "if" | "for" | "with" | "block" | "filter" | "autoescape" | "macro" | "call" => true,
        // `{% set x %}...{% endset %}` opens one; `{% set x = ... %}` does not.
        "set" => !assigns,
        _ => false,
    }
}

/// Refuses an instruction that could build a value without bound, naming its line.
fn check(instructions: &Instructions<'_>) -> Result<(), TemplateError> {
    let mut names_set = 0usize;
    for idx in 0..instructions.len() {
        let Ok(at) = u32::try_from(idx) else { break };
        let Some(instruction) = instructions.get(at) else {
            break;
        };
        if matches!(instruction, Instruction::StoreLocal(_)) {
            names_set += 1;
            if names_set > MAX_NAMES_SET {
                return Err(TemplateError {
                    line: instructions.get_line(at),
                    message: format!(
                        "a template may set at most {MAX_NAMES_SET} names (`set`, loop variables)"
                    ),
                });
            }
        }
        if let Some(what) = refused(instruction) {
            return Err(TemplateError {
                line: instructions.get_line(at),
                message: format!("{what} cannot be used in an invitation template"),
            });
        }
    }
    Ok(())
}

fn refused(instruction: &Instruction<'_>) -> Option<String> {
    Some(match instruction {
        Instruction::StringConcat | Instruction::Add => {
            "joining values with `~` or `+` (write the parts side by side: {{ a }}{{ b }})".into()
        }
        Instruction::Mul | Instruction::Pow => "`*` and `**`".into(),
        Instruction::BuildList(_) => "a list literal `[...]`".into(),
        Instruction::BuildMap(_) => "a map literal `{...}`".into(),
        Instruction::SetAttr(_) => "setting an attribute (`namespace`)".into(),
        Instruction::BeginCapture(_) => {
            "a block that captures output (`set` or `filter` block)".into()
        }
        Instruction::CallFunction(name, _) => format!("the function `{name}()`"),
        Instruction::CallMethod(name, _) => format!("the method `.{name}()`"),
        Instruction::CallObject(_) | Instruction::FastRecurse => "calling a value".into(),
        Instruction::ApplyFilter(name, _, _) if !FILTERS.contains(name) => {
            format!("the filter `{name}` (use one of {})", FILTERS.join(", "))
        }
        Instruction::PerformTest(name, _, _) if !TESTS.contains(name) => {
            format!("the test `{name}` (use one of {})", TESTS.join(", "))
        }
        _ => return None,
    })
}

fn too_large(line: Option<usize>) -> TemplateError {
    TemplateError {
        line,
        message: format!(
            "the invitation grows past {} KiB for this meeting: shorten the template",
            MAX_INVITATION_BYTES / 1024
        ),
    }
}

fn value_too_large() -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!(
            "the template builds a value larger than {} KiB for this meeting",
            MAX_INVITATION_BYTES / 1024
        ),
    )
}

fn capped(v: Value) -> Result<Value, Error> {
    let len = text_len(&v);
    if len > MAX_INVITATION_BYTES {
        return Err(value_too_large());
    }
    charge(len)?;
    Ok(v)
}

fn text_len(v: &Value) -> usize {
    v.as_str().map_or(0, str::len)
}

thread_local! {
    /// The bytes the filters of the render running on this thread may still read and make.
    static WORK: Cell<usize> = const { Cell::new(0) };
}

/// Takes `bytes` from the render's work budget ([`TEMPLATE_WORK_BYTES`]): a template that
/// keeps filtering large values (in a loop, say) stops instead of running for seconds.
fn charge(bytes: usize) -> Result<(), Error> {
    WORK.with(|left| match left.get().checked_sub(bytes) {
        Some(rest) => {
            left.set(rest);
            Ok(())
        }
        None => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "the template's filters handle more than {} KiB for this meeting: filter less",
                TEMPLATE_WORK_BYTES / 1024
            ),
        )),
    })
}

/// `join`, stopping as soon as the result would pass the cap (a string is joined per
/// character, so `description|join(description)` would otherwise square its size).
fn join(value: &Value, separator: Option<Cow<'_, str>>) -> Result<String, Error> {
    let separator = separator.as_deref().unwrap_or("");
    let mut out = String::new();
    for (i, item) in value.try_iter()?.enumerate() {
        let text = match item.as_str() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(item.to_string()),
        };
        let sep = if i == 0 { "" } else { separator };
        if out.len() + sep.len() + text.len() > MAX_INVITATION_BYTES {
            return Err(value_too_large());
        }
        charge(sep.len() + text.len())?;
        out.push_str(sep);
        out.push_str(&text);
    }
    Ok(out)
}

/// The output, refusing bytes past [`MAX_INVITATION_BYTES`].
#[derive(Debug, Default)]
struct Capped {
    bytes: Vec<u8>,
    overflowed: bool,
}

impl io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_INVITATION_BYTES {
            self.overflowed = true;
            return Err(io::Error::other("the invitation is too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Ctx {
        title: &'static str,
        description: String,
        times: Vec<&'static str>,
    }

    fn ctx(title: &'static str) -> Ctx {
        Ctx {
            title,
            description: "d".repeat(8_000),
            times: vec!["a", "b", "c"],
        }
    }

    fn refusal(source: &str) -> TemplateError {
        render(source, ctx("Physics")).unwrap_err()
    }

    #[test]
    fn operations_that_build_values_are_refused_with_their_line() {
        let cases = [
            ("{{ \"x\" * 99999999 }}", "`*`"),
            ("{{ title ~ title }}", "`~`"),
            ("{{ title + title }}", "`~`"),
            ("{{ [title, title] | join }}", "list literal"),
            ("{{ {'a': title} }}", "map literal"),
            ("{% set ns = namespace(x=1) %}", "function `namespace()`"),
            ("{% set x %}{{ title }}{% endset %}", "captures output"),
            (
                "{% filter upper %}{{ title }}{% endfilter %}",
                "captures output",
            ),
            ("{{ range(10) }}", "function `range()`"),
            ("{{ title | replace('a', 'b') }}", "filter `replace`"),
            ("{{ title | center(1000000000) }}", "filter `center`"),
            ("{{ title is divisibleby 3 }}", "test `divisibleby`"),
        ];
        for (source, what) in cases {
            let source = format!("line one\n{source}");
            let e = refusal(&source);
            assert_eq!(e.line, Some(2), "{source}: {e}");
            assert!(e.message.contains(what), "{source}: {e}");
        }
    }

    #[test]
    fn the_output_is_capped() {
        // 3^6 × 8,000 bytes would be 5.8 MB; the cap stops it at 64 KiB.
        let source = "{% for a in times %}{% for b in times %}{% for c in times %}\
                      {% for d in times %}{% for e in times %}{% for f in times %}\
                      {{ description }}{% endfor %}{% endfor %}{% endfor %}{% endfor %}\
                      {% endfor %}{% endfor %}";
        let e = refusal(source);
        assert!(e.message.contains("grows past 64 KiB"), "{e}");
    }

    #[test]
    fn join_stops_at_the_cap() {
        // Joined per character, the description would square to 64 MB.
        let e = refusal("{{ description | join(description) }}");
        assert!(e.message.contains("larger than 64 KiB"), "{e}");
    }

    #[test]
    fn a_template_that_breaks_for_one_title_says_so_for_that_meeting() {
        let source = "{% if title == 'Boom' %}{{ description | join(description) }}{% endif %}\
                      {{ title | upper }} {{ times | join(', ') }}";
        assert_eq!(render(source, ctx("Physics")).unwrap(), "PHYSICS a, b, c");
        let e = render(source, ctx("Boom")).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("larger than 64 KiB"), "{e}");
    }

    /// Renders on a thread with a 2 MiB stack, as the window's and the bulk runs' threads
    /// have: a template that would exhaust the compiler's stack must be refused first.
    fn render_on_a_small_stack(source: String) -> Result<String, TemplateError> {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || render(&source, ctx("Physics")))
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn long_chains_and_deep_nesting_are_refused_before_the_compiler_sees_them() {
        let cases = [
            (
                format!("{{{{ {}1 }}}}", "-".repeat(10_000)),
                "more than 200 parts",
            ),
            (
                format!("{{{{ title{} }}}}", "|trim".repeat(10_000)),
                "more than 200 parts",
            ),
            (
                format!("{{{{ {}true }}}}", "not ".repeat(15_000)),
                "more than 200 parts",
            ),
            (
                format!("{{{{ times{} }}}}", "[0]".repeat(20_000)),
                "more than 200 parts",
            ),
            (
                format!("{{{{ x{} }}}}", ".a".repeat(30_000)),
                "more than 200 parts",
            ),
            (
                format!(
                    "{}x{}",
                    "{% if true %}".repeat(2_000),
                    "{% endif %}".repeat(2_000)
                ),
                "nest more than 24 deep",
            ),
            (
                (0..150)
                    .map(|i| format!("{{% set a{i} = title %}}"))
                    .collect::<String>(),
                "at most 100 names",
            ),
        ];
        for (source, words) in cases {
            let e = render_on_a_small_stack(source).unwrap_err();
            assert!(e.message.contains(words), "{e}");
        }
        // Nesting that closes again is fine at any length.
        let siblings = "{% if true %}x{% endif %}".repeat(1_000);
        assert_eq!(
            render_on_a_small_stack(siblings).unwrap(),
            "x".repeat(1_000)
        );
    }

    #[test]
    fn filtering_large_values_again_and_again_runs_out_of_budget() {
        // Each join doubles the description: the fourth passes 64 KiB.
        let source = "{% set big = description|join(' ')|join(' ')|join(' ')|join(' ') %}";
        let e = refusal(source).message;
        assert!(e.contains("larger than 64 KiB"), "{e}");
        let source = "{% set big = description|join('') %}{% for a in description %}\
                      {% if big|upper|length %}{% endif %}{% endfor %}";
        let e = refusal(source).message;
        assert!(e.contains("handle more than 1024 KiB"), "{e}");
    }

    #[test]
    fn the_guide_lists_exactly_the_allowed_filters_and_tests() {
        let guide = include_str!("../../../docs/templates.md");
        let listed = |heading: &str| -> Vec<String> {
            let at = guide.find(heading).unwrap() + heading.len();
            let end = guide[at..].find('.').unwrap() + at;
            guide[at..end]
                .split(',')
                .map(|w| w.trim().trim_matches('`').to_owned())
                .collect()
        };
        assert_eq!(listed("Filters:"), FILTERS);
        assert_eq!(listed("Tests (`is ...`):"), TESTS);
    }

    #[test]
    fn the_allowed_filters_and_tests_are_registered() {
        for f in FILTERS {
            let source = format!("{{{{ times | {f} }}}}");
            render(&source, ctx("x")).unwrap_or_else(|e| panic!("{f}: {e}"));
        }
        for t in TESTS {
            let source = match *t {
                "eq" | "ne" | "startingwith" | "endingwith" => {
                    format!("{{{{ title is {t}('x') }}}}")
                }
                _ => format!("{{{{ title is {t} }}}}"),
            };
            render(&source, ctx("x")).unwrap_or_else(|e| panic!("{t}: {e}"));
        }
    }
}
