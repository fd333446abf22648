"""Building worlds: the Sahel from config, synthetic worlds from a generator."""
