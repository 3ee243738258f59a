package wire

// One Encode/Decode pair per payload type: thin wrappers over the shared
// encodeMessage/decodeMessage so every payload gets the same strictness.

// Encode returns the v1 wire encoding of m.
func (m ValidateWeightsInput) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *ValidateWeightsInput) Decode(b []byte) error {
	*m = ValidateWeightsInput{}
	return decodeMessage(b, "ValidateWeightsInput", m)
}

// Encode returns the v1 wire encoding of m.
func (m ValidateWeightsOutput) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *ValidateWeightsOutput) Decode(b []byte) error {
	*m = ValidateWeightsOutput{}
	return decodeMessage(b, "ValidateWeightsOutput", m)
}

// Encode returns the v1 wire encoding of m.
func (m OnEpochInput) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *OnEpochInput) Decode(b []byte) error {
	*m = OnEpochInput{}
	return decodeMessage(b, "OnEpochInput", m)
}

// Encode returns the v1 wire encoding of m.
func (m OnEpochOutput) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *OnEpochOutput) Decode(b []byte) error {
	*m = OnEpochOutput{}
	return decodeMessage(b, "OnEpochOutput", m)
}

// Encode returns the v1 wire encoding of m.
func (m OnRegisterInput) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *OnRegisterInput) Decode(b []byte) error {
	*m = OnRegisterInput{}
	return decodeMessage(b, "OnRegisterInput", m)
}

// Encode returns the v1 wire encoding of m.
func (m OnRegisterOutput) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *OnRegisterOutput) Decode(b []byte) error {
	*m = OnRegisterOutput{}
	return decodeMessage(b, "OnRegisterOutput", m)
}

// Encode returns the v1 wire encoding of m.
func (m ChallengeInput) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *ChallengeInput) Decode(b []byte) error {
	*m = ChallengeInput{}
	return decodeMessage(b, "ChallengeInput", m)
}

// Encode returns the v1 wire encoding of m.
func (m ChallengeOutput) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *ChallengeOutput) Decode(b []byte) error {
	*m = ChallengeOutput{}
	return decodeMessage(b, "ChallengeOutput", m)
}

// Encode returns the v1 wire encoding of m.
func (m SolveInput) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *SolveInput) Decode(b []byte) error {
	*m = SolveInput{}
	return decodeMessage(b, "SolveInput", m)
}

// Encode returns the v1 wire encoding of m.
func (m SolveOutput) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *SolveOutput) Decode(b []byte) error {
	*m = SolveOutput{}
	return decodeMessage(b, "SolveOutput", m)
}

// Encode returns the v1 wire encoding of m.
func (m ScoreInput) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *ScoreInput) Decode(b []byte) error {
	*m = ScoreInput{}
	return decodeMessage(b, "ScoreInput", m)
}

// Encode returns the v1 wire encoding of m.
func (m ScoreOutput) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *ScoreOutput) Decode(b []byte) error {
	*m = ScoreOutput{}
	return decodeMessage(b, "ScoreOutput", m)
}

// Encode returns the v1 wire encoding of m.
func (m BlockInfo) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *BlockInfo) Decode(b []byte) error {
	*m = BlockInfo{}
	return decodeMessage(b, "BlockInfo", m)
}

// Encode returns the v1 wire encoding of m.
func (m Neuron) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *Neuron) Decode(b []byte) error {
	*m = Neuron{}
	return decodeMessage(b, "Neuron", m)
}

// Encode returns the v1 wire encoding of m.
func (m Metagraph) Encode() []byte { return encodeMessage(&m) }

// Decode strictly decodes b into m, replacing all of m.
func (m *Metagraph) Decode(b []byte) error {
	*m = Metagraph{}
	return decodeMessage(b, "Metagraph", m)
}
