"""PartiQL for DynamoDB: lexer -> parser (statements over the expression AST) -> executor."""
