package reference

// Syllables for plausible village names (thôn, làng, tổ dân phố).
var (
	plainVillageFirst = []string{"An", "Phú", "Long", "Mỹ", "Tân", "Hòa", "Thạnh", "Bình", "Phước", "Xuân",
		"Đông", "Tây", "Trung", "Khánh", "Vĩnh", "Thuận", "Hiệp", "Lộc", "Thọ", "Cổ"}
	plainVillageSecond = []string{"Lộc", "Thuận", "Hòa", "Phú", "Mỹ", "An", "Lợi", "Hưng", "Thọ", "Tài",
		"Bình", "Quang", "Kỳ", "Lũy", "Lai", "Xuân", "Định", "Trạch", "Vinh", "Khê"}
	mountainVillages = []string{"Nước Lô", "Nước Xoay", "Gò Ghềnh", "Tà Lương", "Đăk Rế", "Kon Skôi", "Plei Rơ",
		"Tà Bần", "Nước Nẻ", "Mang Krá", "Đăk Tiêng", "Ba Liên", "Trà Ông", "Nước Vương", "Kon Brăng",
		"Mang Lùng", "Gò Rô", "Đăk Lung", "Kon Kơ Tu", "Nước Lang", "Tà Pó", "Mô Pả", "Đăk Xú", "Đăk Ang",
		"Nước Biêu", "Tu Thó", "Kon Jri", "Đăk Wơk", "Plei Weh", "Xà Ây"}
)

// villageNames returns n distinct village names for a commune; seed
// varies the choice between communes.
func villageNames(n int, mountain, urban bool, seed uint64) []string {
	names := make([]string, 0, n)
	seen := map[string]bool{}
	if urban {
		for i := 1; i <= n; i++ {
			names = append(names, "tổ dân phố "+itoa(i))
		}
		return names
	}
	r := seed
	for i := 0; len(names) < n; i++ {
		r = mix(r + uint64(i))
		var name string
		if mountain {
			name = mountainVillages[r%uint64(len(mountainVillages))]
		} else {
			name = plainVillageFirst[r%uint64(len(plainVillageFirst))] + " " + plainVillageSecond[(r>>20)%uint64(len(plainVillageSecond))]
		}
		if seen[name] {
			if i < 4*n {
				continue
			}
			name += " " + itoa(len(names)+1)
			if seen[name] {
				continue
			}
		}
		seen[name] = true
		prefix := "thôn "
		if mountain && r&1 == 0 {
			prefix = "làng "
		}
		names = append(names, prefix+name)
	}
	return names
}

// mix is SplitMix64's finaliser: a deterministic hash of x.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix(h)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func pad3(n int) string {
	s := itoa(n)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}
