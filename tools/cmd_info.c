/* SPDX-License-Identifier: ISC */
/* fdpass info [--json]: the backend table. */
#include <stdio.h>
#include <string.h>

#include "fdpass.h"
#include "cli.h"

static const char *
yes_no(int v)
{
	return v ? "yes" : "no";
}

static void
print_info_text(const struct fdpass_backend *b)
{
	printf("libfdpass %s\n", fdpass_version());
	printf("%-26s %s\n", "backend", b->name);
	printf("%-26s %zu (portable everywhere: %d)\n",
	    "max descriptors/message", b->max_fds, FDPASS_PORTABLE_MAX_FDS);
	printf("%-26s %zu descriptors, %zu bytes of control space\n",
	    "receive buffer", b->recv_max_fds, b->recv_control_size);
	printf("%-26s %s (%s)\n", "atomic CLOEXEC on receive",
	    yes_no(b->atomic_cloexec),
	    b->atomic_cloexec ? "MSG_CMSG_CLOEXEC" :
	    "fcntl(F_SETFD) right after recvmsg");
	printf("%-26s %s (%s)\n", "atomic CLOEXEC socketpair",
	    yes_no(b->atomic_socket_cloexec),
	    b->atomic_socket_cloexec ? "SOCK_CLOEXEC" :
	    "fcntl(F_SETFD) right after socketpair");
	printf("%-26s %s\n", "SIGPIPE suppressed by", b->sigpipe);
	printf("%-26s %s\n", "peer credentials", b->peer_cred);
	printf("%-26s %zu bytes\n", "CMSG_SPACE(1 fd)", b->cmsg_space_one);
	printf("CMSG_SPACE(%zu fds)%*s %zu bytes\n", b->max_fds,
	    (int)(26 - 16 - snprintf(NULL, 0, "%zu", b->max_fds)), "",
	    b->cmsg_space_max);
	printf("%-26s %zu bytes\n", "control-message alignment",
	    b->cmsg_align);
}

static void
print_info_json(const struct fdpass_backend *b)
{
	printf("{\n");
	printf("  \"version\": \"%s\",\n", fdpass_version());
	printf("  \"backend\": \"%s\",\n", b->name);
	printf("  \"max_fds\": %zu,\n", b->max_fds);
	printf("  \"portable_max_fds\": %d,\n", FDPASS_PORTABLE_MAX_FDS);
	printf("  \"recv_max_fds\": %zu,\n", b->recv_max_fds);
	printf("  \"recv_control_size\": %zu,\n", b->recv_control_size);
	printf("  \"atomic_cloexec\": %s,\n", b->atomic_cloexec ? "true" : "false");
	printf("  \"atomic_socket_cloexec\": %s,\n",
	    b->atomic_socket_cloexec ? "true" : "false");
	printf("  \"sigpipe\": \"%s\",\n", b->sigpipe);
	printf("  \"peer_cred\": \"%s\",\n", b->peer_cred);
	printf("  \"cmsg_space_one\": %zu,\n", b->cmsg_space_one);
	printf("  \"cmsg_space_max\": %zu,\n", b->cmsg_space_max);
	printf("  \"cmsg_align\": %zu\n", b->cmsg_align);
	printf("}\n");
}

int
cmd_info(int argc, char **argv)
{
	int json = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0)
			return cli_bad_argument("info", argv[i]);
		json = 1;
	}
	if (json)
		print_info_json(fdpass_backend());
	else
		print_info_text(fdpass_backend());
	return 0;
}
