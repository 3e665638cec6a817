// SPDX-License-Identifier: ISC
// The public header from C++: extern "C" linkage, no C-only constructs.
#include <fdpass.h>

int
main()
{
	const struct fdpass_backend *b = fdpass_backend();
	return b != nullptr && b->max_fds == fdpass_max_fds() ? 0 : 1;
}
