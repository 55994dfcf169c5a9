use crate::error::ApiError;
use crate::{Error, Result};

use super::transport::{Request, Response};

/// The one place a non-2xx response becomes [`Error::Api`]: a 2xx response is
/// returned as it is; any other carries the server's `Status` (or one made
/// from the HTTP code) and the request's verb and relative URI (see
/// [`ApiError::url`] for why relative).
pub fn check_status(
    request_verb: &http::Method,
    request_uri: &http::Uri,
    response: Response,
) -> Result<Response> {
    if response.status().is_success() {
        return Ok(response);
    }
    let error = ApiError::from_response(
        request_verb.as_str(),
        &request_uri.to_string(),
        response.status(),
        response.body(),
    );
    Err(Error::Api(Box::new(error)))
}

/// `"GET /api/v1/pods"`: how errors and logs name a request.
pub fn describe(request: &Request) -> String {
    format!("{} {}", request.method(), request.uri())
}
