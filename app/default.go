package app

import (
	"errors"
)

// DefaultModel is the model embedded in the binary.
func DefaultModel() (*Model, error) {
	return nil, errors.New("no -model given and this build has no embedded model")
}
