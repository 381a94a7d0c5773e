pub fn validate_service(_service: &super::model::Service, _diagnostics: &mut Vec<super::diag::Diagnostic>) {}
