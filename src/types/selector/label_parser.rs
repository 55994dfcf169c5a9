//! A recursive-descent parser over [`tokenize`]'s tokens, producing
//! requirements that have been checked against the API server's key and
//! value rules.

use super::error::SelectorError;
use super::label::{LabelRequirement, Operator};
use super::label_lexer::{Token, tokenize};
use super::name::{check_label_key, check_label_value};

pub(crate) fn parse(input: &str) -> Result<Vec<LabelRequirement>, SelectorError> {
    let mut parser = Parser {
        input,
        tokens: tokenize(input),
        next: 0,
    };
    let mut requirements = Vec::new();
    if parser.peek().1 == Token::End {
        return Ok(requirements);
    }
    loop {
        requirements.push(parser.requirement()?);
        let (pos, token) = parser.take();
        match token {
            Token::End => return Ok(requirements),
            Token::Comma => {}
            other => {
                return Err(parser.error(
                    pos,
                    format!("expected ',' or the end, found {}", other.describe()),
                ));
            }
        }
    }
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<(usize, Token)>,
    next: usize,
}

impl Parser<'_> {
    fn peek(&self) -> (usize, Token) {
        self.tokens
            .get(self.next)
            .cloned()
            .unwrap_or((self.input.len(), Token::End))
    }

    fn take(&mut self) -> (usize, Token) {
        let token = self.peek();
        self.next += 1;
        token
    }

    fn error(&self, position: usize, message: impl Into<String>) -> SelectorError {
        SelectorError::label(self.input, position, message)
    }

    fn requirement(&mut self) -> Result<LabelRequirement, SelectorError> {
        let (start, first) = self.take();
        let mut key_pos = start;
        let (key, operator, values) = match first {
            Token::Bang => {
                key_pos = self.peek().0;
                let key = self.key()?;
                (key, Operator::DoesNotExist, Vec::new())
            }
            ref word if word.word().is_some() => {
                let key = word.word().unwrap_or_default();
                let (pos, token) = self.peek();
                match token {
                    Token::Comma | Token::End => (key, Operator::Exists, Vec::new()),
                    Token::Eq | Token::DoubleEq | Token::NotEq => {
                        self.take();
                        let operator = if token == Token::NotEq {
                            Operator::NotEquals
                        } else {
                            Operator::Equals
                        };
                        (key, operator, vec![self.single_value()?])
                    }
                    Token::In | Token::NotIn => {
                        self.take();
                        let operator = if token == Token::In {
                            Operator::In
                        } else {
                            Operator::NotIn
                        };
                        (key, operator, self.value_set()?)
                    }
                    Token::Greater | Token::Less => {
                        self.take();
                        let operator = if token == Token::Greater {
                            Operator::GreaterThan
                        } else {
                            Operator::LessThan
                        };
                        (key, operator, vec![self.single_value()?])
                    }
                    other => {
                        return Err(self.error(
                            pos,
                            format!("expected '=', '==', '!=', 'in', 'notin', '>', '<', ',' or the end after key {key:?}, found {}", other.describe()),
                        ));
                    }
                }
            }
            other => {
                return Err(self.error(
                    start,
                    format!("expected a key or '!', found {}", other.describe()),
                ));
            }
        };
        check_label_key(&key).map_err(|why| self.error(key_pos, why))?;
        if !matches!(operator, Operator::GreaterThan | Operator::LessThan) {
            for (pos, value) in &values {
                check_label_value(value).map_err(|why| self.error(*pos, why))?;
            }
        }
        let requirement = LabelRequirement {
            key,
            operator,
            values: values.into_iter().map(|(_, v)| v).collect(),
        };
        requirement.check().map_err(|why| self.error(start, why))?;
        Ok(requirement)
    }

    fn key(&mut self) -> Result<String, SelectorError> {
        let (pos, token) = self.take();
        token
            .word()
            .ok_or_else(|| self.error(pos, format!("expected a key, found {}", token.describe())))
    }

    /// The value after `=`/`!=`; an empty value (`k=`) is allowed, as on the server.
    fn single_value(&mut self) -> Result<(usize, String), SelectorError> {
        match self.peek() {
            (pos, token) if token.word().is_some() => {
                self.take();
                Ok((pos, token.word().unwrap_or_default()))
            }
            (pos, Token::Comma | Token::End) => Ok((pos, String::new())),
            (pos, other) => Err(self.error(pos, format!("expected a value, found {}", other.describe()))),
        }
    }

    /// `( v1, v2 )`: empty entries between commas, and `()`, are empty values.
    fn value_set(&mut self) -> Result<Vec<(usize, String)>, SelectorError> {
        let (open_pos, open) = self.take();
        if open != Token::Open {
            return Err(self.error(open_pos, format!("expected '(', found {}", open.describe())));
        }
        let mut values = Vec::new();
        let mut expecting_value = true;
        loop {
            let (pos, token) = self.take();
            match token {
                ref word if expecting_value && word.word().is_some() => {
                    values.push((pos, word.word().unwrap_or_default()));
                    expecting_value = false;
                }
                Token::Comma => {
                    if expecting_value {
                        values.push((pos, String::new()));
                    }
                    expecting_value = true;
                }
                Token::Close => {
                    // `()` and a trailing `,` stand for the empty value, as on the server.
                    if expecting_value {
                        values.push((pos, String::new()));
                    }
                    return Ok(values);
                }
                other => {
                    let wanted = if expecting_value {
                        "a value, ',' or ')'"
                    } else {
                        "',' or ')'"
                    };
                    return Err(self.error(pos, format!("expected {wanted}, found {}", other.describe())));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::LabelSelector;

    fn error_of(input: &str) -> String {
        match LabelSelector::parse(input) {
            Ok(parsed) => panic!("{input:?} parsed as {parsed:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn every_operator_parses_and_renders_canonically() {
        let cases = [
            ("", ""),
            ("a=b", "a=b"),
            ("a==b", "a=b"),
            ("a!=b", "a!=b"),
            ("a in (c,b,c)", "a in (b,c)"),
            ("a notin (b)", "a notin (b)"),
            ("a", "a"),
            ("!a", "!a"),
            ("a=", "a="),
            ("  x = 1 ,  !y , z  in(p , q) ", "x=1,!y,z in (p,q)"),
            ("app.kubernetes.io/name=web", "app.kubernetes.io/name=web"),
            ("a in (b,)", "a in (,b)"),
            ("a notin ()", "a notin ()"),
            ("in=in,notin in (in,notin)", "in=in,notin in (in,notin)"),
            ("a > 5, b<-2", "a>5,b<-2"),
        ];
        for (input, canonical) in cases {
            let parsed = LabelSelector::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(parsed.to_string(), canonical, "{input:?}");
        }
    }

    #[test]
    fn malformed_selectors_say_what_and_where() {
        insta::assert_snapshot!(
            [
                "a=b,",
                "a in b",
                "a in (b c)",
                "=b",
                "a=b=c",
                "a b",
                "!a=b",
                "a=(b)",
                "-bad=1",
                "a=-bad",
                "a in (ok, -bad)",
                "app.Kubernetes.io/x=1",
                "a>x",
                "a<",
                "a>(1)",
            ]
            .map(error_of)
            .join("\n")
        );
    }
}
