; extends

; MIGRATION_SQL holds the migration the server checks: highlight it as SQL,
; also when written with `as const` or `satisfies`.
(variable_declarator
  name: (identifier) @_name
  (#eq? @_name "MIGRATION_SQL")
  value: [
    (template_string) @injection.content
    (as_expression
      (template_string) @injection.content)
    (satisfies_expression
      (template_string) @injection.content)
  ]
  ; Drop the backticks, keep the string fragments that are its children.
  (#offset! @injection.content 0 1 0 -1)
  (#set! injection.include-children)
  (#set! injection.language "sql"))
