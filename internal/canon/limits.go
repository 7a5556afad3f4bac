package canon

import (
	"errors"

	"github.com/mobplan/mobplan/internal/diag"
	"github.com/mobplan/mobplan/internal/memlimit"
)

// LimitDiagnostic is the diagnostic, at r, for an evaluation that
// memlimit.Run stopped at the memory ceiling or at its time bound.
func LimitDiagnostic(r *diag.Range, err error) diag.Diagnostic {
	d := diag.Diagnostic{Severity: diag.Error, Rule: RuleSyntax, Detail: err.Error(), Range: r}
	var ee *memlimit.ExceededError
	if errors.As(err, &ee) {
		d.Summary = "Memory limit exceeded"
		d.Detail = "Evaluating this needed more memory than mobplan allows itself: " + err.Error() +
			". A topology needs a few megabytes: something here builds a huge value (a function or a comprehension multiplying lists or strings)."
		d.Hint = "Look for the expression that grows without bound. Raise --max-memory only for a topology that really is that large."
		return d
	}
	d.Summary = "Evaluation took too long"
	d.Hint = "Look for a loop or recursion that never ends. Raise --eval-timeout only for a topology that really is that large."
	return d
}
