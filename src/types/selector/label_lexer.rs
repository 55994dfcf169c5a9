//! Tokens of the label selector syntax. Like the API server's lexer, an
//! identifier is any run of characters that are neither whitespace nor one
//! of `!=,()<>`; `in` and `notin` are keywords (only where an operator may
//! stand: the parser reads them as plain words in key and value positions).

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Ident(String),
    In,
    NotIn,
    Bang,
    Eq,
    DoubleEq,
    NotEq,
    Comma,
    Open,
    Close,
    Greater,
    Less,
    End,
}

impl Token {
    /// The word this token is when it stands where a key or value may:
    /// `in` and `notin` are keywords only in operator position.
    pub(crate) fn word(&self) -> Option<String> {
        match self {
            Token::Ident(s) => Some(s.clone()),
            Token::In => Some("in".into()),
            Token::NotIn => Some("notin".into()),
            _ => None,
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Token::Ident(s) => format!("{s:?}"),
            Token::In => "'in'".into(),
            Token::NotIn => "'notin'".into(),
            Token::Bang => "'!'".into(),
            Token::Eq => "'='".into(),
            Token::DoubleEq => "'=='".into(),
            Token::NotEq => "'!='".into(),
            Token::Comma => "','".into(),
            Token::Open => "'('".into(),
            Token::Close => "')'".into(),
            Token::Greater => "'>'".into(),
            Token::Less => "'<'".into(),
            Token::End => "the end".into(),
        }
    }
}

fn is_special(c: char) -> bool {
    matches!(c, '!' | '=' | ',' | '(' | ')' | '<' | '>')
}

/// Splits `input` into tokens, each with the byte offset where it starts;
/// the last one is always `End`.
pub(crate) fn tokenize(input: &str) -> Vec<(usize, Token)> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(pos, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let token = match c {
            '!' | '=' => {
                chars.next();
                if chars.next_if(|&(_, n)| n == '=').is_some() {
                    if c == '!' { Token::NotEq } else { Token::DoubleEq }
                } else if c == '!' {
                    Token::Bang
                } else {
                    Token::Eq
                }
            }
            ',' | '(' | ')' | '<' | '>' => {
                chars.next();
                match c {
                    ',' => Token::Comma,
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '<' => Token::Less,
                    _ => Token::Greater,
                }
            }
            _ => {
                let mut word = String::new();
                while let Some((_, n)) = chars.next_if(|&(_, n)| !n.is_whitespace() && !is_special(n)) {
                    word.push(n);
                }
                match word.as_str() {
                    "in" => Token::In,
                    "notin" => Token::NotIn,
                    _ => Token::Ident(word),
                }
            }
        };
        tokens.push((pos, token));
    }
    tokens.push((input.len(), Token::End));
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_keywords_and_identifiers_are_told_apart() {
        let kinds: Vec<Token> = tokenize("a!=b,c==d, e in (f) ,!g notin")
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(
            kinds,
            vec![
                Token::Ident("a".into()),
                Token::NotEq,
                Token::Ident("b".into()),
                Token::Comma,
                Token::Ident("c".into()),
                Token::DoubleEq,
                Token::Ident("d".into()),
                Token::Comma,
                Token::Ident("e".into()),
                Token::In,
                Token::Open,
                Token::Ident("f".into()),
                Token::Close,
                Token::Comma,
                Token::Bang,
                Token::Ident("g".into()),
                Token::NotIn,
                Token::End,
            ]
        );
    }

    #[test]
    fn positions_are_byte_offsets() {
        let positions: Vec<usize> = tokenize(" a = b").into_iter().map(|(p, _)| p).collect();
        assert_eq!(positions, vec![1, 3, 5, 6]);
    }
}
