//! The `--where` language of `rnnlab ls`, parsed into a parameterised SQL condition.
//!
//! ```text
//! filter := or
//! or     := and ("or" and)*
//! and    := not ("and" not)*
//! not    := "not" not | "(" or ")" | column op value | column "is" ["not"] "null"
//! op     := = | == | != | <> | < | <= | > | >= | like
//! value  := number | 'text' | "text" | bare-word
//! ```
//! Columns come from a fixed list and values always travel as parameters: nothing the user
//! writes is pasted into SQL.

use rusqlite::types::Value;

/// The columns a filter or sort may name, with the SQL each stands for.
pub const FILTER_COLUMNS: &[(&str, &str)] = &[
    ("id", "n.id"),
    ("experiment", "e.name"),
    ("arch", "n.arch"),
    ("activation", "n.activation"),
    ("units", "n.units"),
    ("l2", "n.l2"),
    ("seed", "n.seed"),
    ("role", "n.role"),
    ("trial", "n.trial"),
    ("state", "n.state"),
    ("steps_run", "n.steps_run"),
    ("final_loss", "n.final_loss"),
    ("score", "n.score"),
    ("train_seconds", "n.train_seconds"),
    ("backoffs", "n.backoffs"),
    ("reason", "n.reason"),
    ("fixed_points", "n.fixed_points"),
    ("stable_points", "n.stable_points"),
    ("slow_points", "n.slow_points"),
    ("pseudo_points", "n.pseudo_points"),
    ("analysis_seconds", "n.analysis_seconds"),
    ("ideal_scaffold", "n.ideal_scaffold"),
    ("scaffold_distance", "n.scaffold_distance"),
];

/// A parsed filter: an SQL condition with `?` placeholders and their values.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    /// The condition, e.g. `(n.arch = ? AND n.final_loss < ?)`.
    pub sql: String,
    /// The values for the placeholders, in order.
    pub params: Vec<Value>,
}

/// The SQL expression of a column name, or an error listing the known ones.
pub fn column_sql(name: &str) -> Result<&'static str, String> {
    FILTER_COLUMNS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, sql)| *sql)
        .ok_or_else(|| {
            let names: Vec<_> = FILTER_COLUMNS.iter().map(|(n, _)| *n).collect();
            format!("unknown column '{name}' (known: {})", names.join(", "))
        })
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(f64),
    Op(&'static str),
    Open,
    Close,
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            tokens.push(if c == '(' { Token::Open } else { Token::Close });
            i += 1;
        } else if c == '\'' || c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|&d| d == c)
                .ok_or_else(|| format!("unterminated string starting at column {}", i + 1))?;
            tokens.push(Token::Text(chars[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
        } else if "=!<>".contains(c) {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = ["==", "!=", "<>", "<=", ">="]
                .into_iter()
                .find(|op| two == *op)
                .or_else(|| ["=", "<", ">"].into_iter().find(|op| op.starts_with(c)))
                .ok_or_else(|| format!("unexpected '{c}' at column {}", i + 1))?;
            tokens.push(Token::Op(op));
            i += op.len();
        } else if c.is_alphanumeric() || "._-+".contains(c) {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || "._-+".contains(chars[i])) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            match word.parse::<f64>() {
                Ok(v) if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                    tokens.push(Token::Number(v))
                }
                _ => tokens.push(Token::Word(word)),
            }
        } else {
            return Err(format!("unexpected '{c}' at column {}", i + 1));
        }
    }
    Ok(tokens)
}

/// How deeply parentheses and `not` may nest (a guard for the recursive parser's stack).
const MAX_DEPTH: usize = 64;
/// Most comparisons in one filter: SQLite refuses expressions deeper than 1000 nodes, and a
/// chain of `or`s is as deep as it is long.
const MAX_CONDITIONS: usize = 500;
/// The columns that hold text; every other column holds numbers.
const TEXT_COLUMNS: &[&str] = &[
    "experiment",
    "arch",
    "activation",
    "role",
    "state",
    "reason",
];

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    params: Vec<Value>,
    depth: usize,
    conditions: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn or(&mut self) -> Result<String, String> {
        let mut parts = vec![self.and()?];
        while self.peek_word("or") {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(join(parts, " OR "))
    }

    fn and(&mut self) -> Result<String, String> {
        let mut parts = vec![self.not()?];
        while self.peek_word("and") {
            self.at += 1;
            parts.push(self.not()?);
        }
        Ok(join(parts, " AND "))
    }

    /// Enters one more level of nesting, refusing past [`MAX_DEPTH`].
    fn deeper(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "parentheses and 'not' nest deeper than {MAX_DEPTH} levels"
            ));
        }
        Ok(())
    }

    fn not(&mut self) -> Result<String, String> {
        if self.peek_word("not") {
            self.at += 1;
            self.deeper()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(format!("NOT {inner}"));
        }
        match self.next() {
            Some(Token::Open) => {
                self.deeper()?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.next() {
                    // `join` already parenthesises anything with an AND or OR.
                    Some(Token::Close) => Ok(inner),
                    _ => Err("missing ')'".into()),
                }
            }
            Some(Token::Word(column)) => self.comparison(&column),
            Some(t) => Err(format!("expected a column name, found {}", show(&t))),
            None => Err("expected a condition, found the end of the filter".into()),
        }
    }

    fn comparison(&mut self, column: &str) -> Result<String, String> {
        let sql = column_sql(column)?;
        let op = match self.next() {
            Some(Token::Op(op)) => match op {
                "==" => "=",
                "<>" => "!=",
                op => op,
            },
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("like") => "LIKE",
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("is") => {
                let negated = self.peek_word("not");
                if negated {
                    self.at += 1;
                }
                return match self.next() {
                    Some(Token::Word(w)) if w.eq_ignore_ascii_case("null") => Ok(format!(
                        "{sql} IS {}NULL",
                        if negated { "NOT " } else { "" }
                    )),
                    _ => Err(format!("expected 'null' after '{column} is'")),
                };
            }
            Some(t) => {
                return Err(format!(
                    "expected an operator after '{column}', found {}",
                    show(&t)
                ))
            }
            None => return Err(format!("expected an operator after '{column}'")),
        };
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return Err(format!(
                "a filter may hold at most {MAX_CONDITIONS} comparisons"
            ));
        }
        let text_column = TEXT_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(column));
        let value = match self.next() {
            Some(Token::Number(v)) if v.is_nan() => {
                return Err(format!(
                    "'{column} {op} NaN' compares with nothing (use '{column} is null')"
                ))
            }
            Some(Token::Number(v)) => Value::Real(v),
            Some(Token::Word(w)) if !text_column && w.eq_ignore_ascii_case("true") => {
                Value::Integer(1)
            }
            Some(Token::Word(w)) if !text_column && w.eq_ignore_ascii_case("false") => {
                Value::Integer(0)
            }
            // SQLite orders every number below every text, so `final_loss < nan` would match
            // every row: a number column takes numbers only.
            Some(Token::Text(s)) | Some(Token::Word(s)) if !text_column && op != "LIKE" => {
                return Err(format!("{column} holds numbers; '{s}' is not one"))
            }
            Some(Token::Text(s)) | Some(Token::Word(s)) => Value::Text(s),
            Some(t) => {
                return Err(format!(
                    "expected a value after '{column} {op}', found {}",
                    show(&t)
                ))
            }
            None => return Err(format!("expected a value after '{column} {op}'")),
        };
        // Labels match whatever their case: `arch = GRU` finds the GRUs. The collation sits on
        // the column: SQLite's bundled planner rewrites `a = ? COLLATE NOCASE OR a = ? COLLATE
        // NOCASE` into an IN that drops a collation written on the value (with the experiment's
        // condition beside it, `arch = GRU or arch = LSTM` found nothing).
        let collate = if matches!(value, Value::Text(_)) {
            " COLLATE NOCASE"
        } else {
            ""
        };
        self.params.push(value);
        Ok(format!("{sql}{collate} {op} ?"))
    }
}

fn join(parts: Vec<String>, sep: &str) -> String {
    if parts.len() == 1 {
        parts.into_iter().next().unwrap_or_default()
    } else {
        format!("({})", parts.join(sep))
    }
}

fn show(t: &Token) -> String {
    match t {
        Token::Word(w) => format!("'{w}'"),
        Token::Text(s) => format!("'{s}'"),
        Token::Number(v) => v.to_string(),
        Token::Op(op) => format!("'{op}'"),
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
    }
}

/// Parses a `--where` filter.
pub fn parse_filter(input: &str) -> Result<Filter, String> {
    let bad = |m: String| format!("--where: {m}");
    let tokens = tokenize(input).map_err(bad)?;
    let mut p = Parser {
        tokens,
        at: 0,
        params: Vec::new(),
        depth: 0,
        conditions: 0,
    };
    let sql = p.or().map_err(bad)?;
    if let Some(t) = p.tokens.get(p.at) {
        return Err(bad(format!(
            "unexpected {} after a complete condition",
            show(t)
        )));
    }
    Ok(Filter {
        sql,
        params: p.params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comparisons_booleans_and_nulls() {
        let f = parse_filter("arch = gru and final_loss < 1e-3").unwrap();
        assert_eq!(f.sql, "(n.arch COLLATE NOCASE = ? AND n.final_loss < ?)");
        assert_eq!(f.params, vec![Value::Text("gru".into()), Value::Real(1e-3)]);
        let f = parse_filter(
            "(arch == 'lstm' or arch = \"gru\") and not units >= 128 and reason is not null",
        )
        .unwrap();
        assert_eq!(
            f.sql,
            "((n.arch COLLATE NOCASE = ? OR n.arch COLLATE NOCASE = ?) AND NOT n.units >= ? \
             AND n.reason IS NOT NULL)"
        );
        assert_eq!(f.params.len(), 3);
        let f = parse_filter("experiment like 'quick%' and l2 <> -1e-5").unwrap();
        assert_eq!(f.sql, "(e.name COLLATE NOCASE LIKE ? AND n.l2 != ?)");
        assert_eq!(f.params[1], Value::Real(-1e-5));
    }

    #[test]
    fn rejects_unknown_columns_bad_syntax_and_injection() {
        for bad in [
            "password = 1",
            "arch =",
            "arch gru",
            "(arch = gru",
            "arch = gru)",
            "arch = gru; DROP TABLE networks",
            "arch = 'gru",
            "1 = 1",
            "arch = gru or",
            "",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad:?} accepted");
        }
        // A quoted attack is just a value.
        let f = parse_filter("arch = 'x'' OR 1=1 --'").err();
        assert!(f.is_some(), "doubled quotes end the string, leaving junk");
        let f = parse_filter("reason = \"'; DROP TABLE networks; --\"").unwrap();
        assert_eq!(f.sql, "n.reason COLLATE NOCASE = ?");
        assert_eq!(
            f.params,
            vec![Value::Text("'; DROP TABLE networks; --".into())]
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = format!("{}arch = gru{}", "(".repeat(20_000), ")".repeat(20_000));
        assert!(parse_filter(&deep).unwrap_err().contains("nest deeper"));
        let nots = format!("{}arch = gru", "not ".repeat(20_000));
        assert!(parse_filter(&nots).unwrap_err().contains("nest deeper"));
        let fine = format!("{}arch = gru{}", "(".repeat(60), ")".repeat(60));
        assert!(parse_filter(&fine).is_ok());
    }

    #[test]
    fn labels_match_in_any_case() {
        assert!(parse_filter("arch = GRU")
            .unwrap()
            .sql
            .contains("COLLATE NOCASE"));
        assert!(!parse_filter("units = 32").unwrap().sql.contains("COLLATE"));
    }
}
