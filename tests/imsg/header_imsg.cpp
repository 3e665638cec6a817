// SPDX-License-Identifier: ISC
// <imsg.h> from C++: the declarations link as C.
#include <imsg.h>

int
main()
{
	struct ibuf *b = ibuf_open(4);

	if (b == nullptr || ibuf_add_n32(b, 1) != 0 || ibuf_size(b) != 4)
		return 1;
	ibuf_free(b);
	return 0;
}
