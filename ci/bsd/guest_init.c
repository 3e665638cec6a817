/* SPDX-License-Identifier: ISC */
/*
 * The FreeBSD and NetBSD guests' init (pid 1), linked statically: runs
 * every test of the run list that ci/bsd/qemu-guest.sh wrote from ctest's
 * own list, each with its timeout, prints ctest-like lines on the serial
 * console and powers the machine off.  Nothing else runs in the guest.
 * The two systems differ only in setup(): mounting (nmount(2) and devfs
 * on FreeBSD; mount(2) with argument structures and device nodes made on a
 * tmpfs /dev on NetBSD, which has no devfs) and reboot(2)'s arguments.
 *
 * Run list (RUNLIST below), one record per line, fields split by tabs:
 *   T name timeout will_fail cwd   a test; the lines up to E belong to it
 *   A arg                          argv, in order (A lines, at least one)
 *   N NAME=value                   environment
 *   P regex / F regex / K regex    pass / fail / skip regular expression
 *   V                              print the output even when it passed
 *   X status                       tools/cli_check.cmake's checks instead:
 *   O regex / R regex              the exit status, regexes that must all
 *   W file                         match stdout / stderr, stdout to a file
 *                                  (skipped where it does not exist)
 *   E                              end of the test
 * In A, P, F, K, O and R values the two characters \n stand for a newline.
 *   S name reason                  a test that cannot run in the guest
 */
#include <sys/param.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/sockio.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#ifdef __NetBSD__
#include <sys/statvfs.h>
#include <sys/types.h>
#include <ufs/ufs/ufsmount.h>
#include <fs/tmpfs/tmpfs_args.h>
#endif

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/in_var.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define RUNLIST	"/fdpass/tests.list"
#define OUTDIR	"/tmp/fdpass-guest"
#define TMPLINKS	"/fdpass/tmp"	/* the image's /tmp, linked into the tmpfs */
#define MAXARGS	64
#define MAXRE	8
#define SHOWMAX	(64 * 1024)

#ifndef __DECONST
#define __DECONST(type, var)	((type)(uintptr_t)(const void *)(var))
#endif

struct test {
	char	*name, *cwd, *reason;
	int	 timeout, will_fail, show, skipped;
	char	*argv[MAXARGS + 1];
	int	 argc;
	char	*env[MAXARGS + 1];
	int	 envc;
	char	*pass[MAXRE], *fail[MAXRE], *skip[MAXRE];
	int	 npass, nfail, nskip;
	int	 cli, exit_status;		/* X: the cli_check.cmake way */
	char	*stdout_to;
	char	*out_re[MAXRE], *err_re[MAXRE];
	int	 nout, nerr;
};

static volatile sig_atomic_t timed_out;
static volatile pid_t child;

static void
poweroff(void)
{
	printf("fdpass-guest: powering off\n");
	fflush(stdout);
	/* The console drains behind us; the host reads the end from it. */
	tcdrain(STDOUT_FILENO);
	sync();
#ifdef __NetBSD__
	reboot(RB_HALT | RB_POWERDOWN, NULL);
	reboot(RB_HALT, NULL);
#else
	reboot(RB_POWEROFF);
	reboot(RB_HALT);
#endif
	for (;;)
		pause();
}

static void
die(const char *what)
{
	printf("fdpass-guest: %s: %s\n", what, strerror(errno));
	poweroff();
}

#ifdef __NetBSD__
/* mount(2) takes a per-file-system argument structure. */
static int
mount_tmpfs(const char *path, mode_t mode)
{
	struct tmpfs_args ta;

	memset(&ta, 0, sizeof ta);
	ta.ta_version = TMPFS_ARGS_VERSION;
	ta.ta_root_uid = 0;
	ta.ta_root_gid = 0;
	ta.ta_root_mode = mode;
	return (mount(MOUNT_TMPFS, path, 0, &ta, sizeof ta));
}

/*
 * No devfs: the device nodes the tests and this init use, on a tmpfs /dev
 * (majors of sys/arch/amd64/conf/majors.amd64, as MAKEDEV makes them).
 */
static void
make_dev(void)
{
	static const struct {
		const char *name;
		int major, minor;
		mode_t mode;
	} nodes[] = {
		{ "/dev/console", 0, 0, 0600 },
		{ "/dev/tty", 1, 0, 0666 },
		{ "/dev/mem", 2, 0, 0640 },
		{ "/dev/kmem", 2, 1, 0640 },
		{ "/dev/null", 2, 2, 0666 },
		{ "/dev/zero", 2, 12, 0666 },
		{ "/dev/random", 46, 0, 0444 },
		{ "/dev/urandom", 46, 1, 0644 },
		{ "/dev/constty", 0, 1, 0600 },
	};
	size_t i;

	if (access("/dev/console", F_OK) == 0)
		return;
	mkdir("/dev", 0755);
	(void)mount_tmpfs("/dev", 0755);
	for (i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
		(void)mknod(nodes[i].name, S_IFCHR | nodes[i].mode,
		    makedev(nodes[i].major, nodes[i].minor));
	mkdir("/dev/fd", 0755);
}
#else
/* nmount(2) takes name/value pairs. */
static int
mountfs(const char *type, const char *path, const char *from, int flags)
{
	struct iovec iov[6];

	iov[0].iov_base = __DECONST(char *, "fstype");
	iov[0].iov_len = sizeof("fstype");
	iov[1].iov_base = __DECONST(char *, type);
	iov[1].iov_len = strlen(type) + 1;
	iov[2].iov_base = __DECONST(char *, "fspath");
	iov[2].iov_len = sizeof("fspath");
	iov[3].iov_base = __DECONST(char *, path);
	iov[3].iov_len = strlen(path) + 1;
	iov[4].iov_base = __DECONST(char *, "from");
	iov[4].iov_len = sizeof("from");
	iov[5].iov_base = __DECONST(char *, from);
	iov[5].iov_len = strlen(from) + 1;
	return (nmount(iov, 6, flags));
}
#endif

/*
 * lo0 up with 127.0.0.1/8, as rc(8) does on every BSD: tests talk to
 * TCP and UDP on loopback.
 */
static void
loopback_up(void)
{
	struct in_aliasreq ifra;
	struct ifreq ifr;
	struct sockaddr_in *sin;
	int s;

	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1) {
		printf("fdpass-guest: no AF_INET socket: %s\n", strerror(errno));
		return;
	}
	memset(&ifr, 0, sizeof ifr);
	strlcpy(ifr.ifr_name, "lo0", sizeof ifr.ifr_name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		(void)ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	memset(&ifra, 0, sizeof ifra);
	strlcpy(ifra.ifra_name, "lo0", sizeof ifra.ifra_name);
	sin = &ifra.ifra_addr;
	sin->sin_len = sizeof *sin;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin = &ifra.ifra_mask;
	sin->sin_len = sizeof *sin;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0xff000000);
	if (ioctl(s, SIOCAIFADDR, &ifra) == -1)
		printf("fdpass-guest: lo0 127.0.0.1: %s\n", strerror(errno));
	close(s);
}

/* Like mount -uw /: the kernel mounts the root read-only. */
static void
root_rw(void)
{
#ifdef __NetBSD__
	struct statvfs sfs;
	struct ufs_args ua;

	memset(&ua, 0, sizeof ua);	/* no fspec: an update only */
	if (statvfs("/", &sfs) == 0 && (sfs.f_flag & ST_RDONLY) != 0 &&
	    mount(sfs.f_fstypename, "/", MNT_UPDATE, &ua, sizeof ua) == -1)
		printf("fdpass-guest: mount -uw /: %s\n", strerror(errno));
#else
	struct statfs sfs;

	if (statfs("/", &sfs) == 0 && (sfs.f_flags & MNT_RDONLY) != 0 &&
	    mountfs(sfs.f_fstypename, "/", sfs.f_mntfromname, MNT_UPDATE) == -1)
		printf("fdpass-guest: mount -uw /: %s\n", strerror(errno));
#endif
}

/*
 * The image keeps the build tree at its host path, where the tests and
 * their helpers find it, except under /tmp: the tmpfs above would hide
 * it (every test exit 127), so ci/bsd/qemu-guest.sh puts it under
 * TMPLINKS and each entry there gets a symbolic link in /tmp.
 */
static void
link_tmp(void)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(TMPLINKS)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(from, sizeof from, "%s/%s", TMPLINKS, de->d_name);
		snprintf(to, sizeof to, "/tmp/%s", de->d_name);
		if (symlink(from, to) == -1)
			printf("fdpass-guest: symlink %s %s: %s\n", from, to,
			    strerror(errno));
	}
	closedir(d);
}

static void
setup(void)
{
	int fd;

#ifdef __NetBSD__
	make_dev();
#else
	/* The kernel moves its devfs to /dev when the root has one. */
	if (access("/dev/console", F_OK) != 0)
		(void)mountfs("devfs", "/dev", "devfs", 0);
#endif
	if ((fd = open("/dev/console", O_RDWR)) == -1)
		poweroff();
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setsid();
	root_rw();
	mkdir("/tmp", 01777);
#ifdef __NetBSD__
	if (mount_tmpfs("/tmp", 01777) == -1)
#else
	if (mountfs("tmpfs", "/tmp", "tmpfs", 0) == -1)
#endif
		printf("fdpass-guest: tmpfs on /tmp: %s (using the root)\n",
		    strerror(errno));
	chmod("/tmp", 01777);
	link_tmp();
	if (mkdir(OUTDIR, 0755) == -1 && errno != EEXIST)
		die(OUTDIR);
	loopback_up();
}

static char *
field(char **p)
{
	char *s = *p, *t;

	if (s == NULL)
		return (NULL);
	if ((t = strchr(s, '\t')) != NULL) {
		*t = '\0';
		*p = t + 1;
	} else
		*p = NULL;
	return (s);
}

/* The two characters \n become a newline, in place. */
static char *
unescape(char *v)
{
	char *r, *w;

	if (v == NULL)
		return (NULL);
	for (r = w = v; *r != '\0'; r++) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else
			*w++ = *r;
	}
	*w = '\0';
	return (v);
}

static int
load(struct test **out)
{
	struct test *tests = NULL, *t = NULL;
	char *line = NULL, *p, *tag;
	size_t cap = 0;
	ssize_t len;
	int n = 0;
	FILE *f;

	if ((f = fopen(RUNLIST, "r")) == NULL)
		die(RUNLIST);
	while ((len = getline(&line, &cap, f)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		p = strdup(line);
		tag = field(&p);
		if (tag[0] == 'T' || tag[0] == 'S') {
			if ((tests = realloc(tests, (n + 1) * sizeof(*t))) == NULL)
				die("realloc");
			t = &tests[n++];
			memset(t, 0, sizeof(*t));
			t->name = field(&p);
			if (tag[0] == 'S') {
				t->skipped = 1;
				t->reason = p != NULL ? p : __DECONST(char *, "");
				continue;
			}
			t->timeout = atoi(field(&p));
			t->will_fail = atoi(field(&p));
			t->cwd = p;
			continue;
		}
		if (t == NULL)
			continue;
		if (tag[0] != 'N' && tag[0] != 'W')
			unescape(p);
		if (tag[0] == 'A' && p != NULL && t->argc < MAXARGS)
			t->argv[t->argc++] = p;
		else if (tag[0] == 'X' && p != NULL) {
			t->cli = 1;
			t->exit_status = atoi(p);
		} else if (tag[0] == 'W' && p != NULL)
			t->stdout_to = p;
		else if (tag[0] == 'O' && p != NULL && t->nout < MAXRE)
			t->out_re[t->nout++] = p;
		else if (tag[0] == 'R' && p != NULL && t->nerr < MAXRE)
			t->err_re[t->nerr++] = p;
		else if (tag[0] == 'N' && p != NULL && t->envc < MAXARGS)
			t->env[t->envc++] = p;
		else if (tag[0] == 'P' && p != NULL && t->npass < MAXRE)
			t->pass[t->npass++] = p;
		else if (tag[0] == 'F' && p != NULL && t->nfail < MAXRE)
			t->fail[t->nfail++] = p;
		else if (tag[0] == 'K' && p != NULL && t->nskip < MAXRE)
			t->skip[t->nskip++] = p;
		else if (tag[0] == 'V')
			t->show = 1;
	}
	fclose(f);
	*out = tests;
	return (n);
}

static void
on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (child > 0)
		kill(-child, SIGKILL);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* The whole output, NUL-terminated, for the regular expressions. */
static char *
slurp(const char *path, size_t *lenp)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	*lenp = 0;
	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		return (strdup(""));
	if ((buf = malloc(st.st_size + 1)) == NULL)
		die("malloc");
	n = read(fd, buf, st.st_size);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	*lenp = n > 0 ? (size_t)n : 0;
	return (buf);
}

static int
matches(char **res, int nres, const char *text)
{
	regex_t re;
	int i, hit;

	for (i = 0; i < nres; i++) {
		if (regcomp(&re, res[i], REG_EXTENDED | REG_NOSUB) != 0)
			continue;
		hit = regexec(&re, text, 0, NULL, 0) == 0;
		regfree(&re);
		if (hit)
			return (1);
	}
	return (0);
}

/* All of them match (matches(): any of them). */
static int
all_match(char **res, int nres, const char *text)
{
	for (int i = 0; i < nres; i++)
		if (!matches(&res[i], 1, text))
			return (0);
	return (1);
}

/* Runs one test; returns 0 passed, 1 failed, 2 skipped.  *what: the word. */
static int
run(struct test *t, int k, double *secs, char *what, size_t whatlen)
{
	struct sigaction sa;
	char out[PATH_MAX], err[PATH_MAX], *text, *etext = NULL;
	size_t len, elen = 0;
	int status, fd, failed;
	double start;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/%d.out", OUTDIR, k);
	snprintf(err, sizeof(err), "%s/%d.err", OUTDIR, k);
	if (t->cli && t->stdout_to != NULL && access(t->stdout_to, F_OK) != 0) {
		/* As cli_check.cmake: "SKIPPED: ..." on stdout. */
		snprintf(what, whatlen, "***Skipped");
		printf("----- output of %s:\nSKIPPED: %s does not exist on this "
		    "system\n----- end of %s\n", t->name, t->stdout_to, t->name);
		*secs = 0;
		return (2);
	}
	start = now();
	if ((pid = fork()) == -1)
		die("fork");
	if (pid == 0) {
		setpgid(0, 0);
		if ((fd = open(t->cli && t->stdout_to != NULL ? t->stdout_to :
		    out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		/* cli_check.cmake's streams apart. */
		if (t->cli && (fd = open(err, O_WRONLY | O_CREAT | O_TRUNC,
		    0644)) != -1) {
			dup2(fd, 2);
			close(fd);
		}
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			dup2(fd, 0);
			close(fd);
		}
		if (t->cwd != NULL && t->cwd[0] != '\0' && chdir(t->cwd) == -1)
			fprintf(stderr, "chdir %s: %s\n", t->cwd, strerror(errno));
		t->env[t->envc] = NULL;
		for (int i = 0; i < t->envc; i++)
			putenv(t->env[i]);
		t->argv[t->argc] = NULL;
		execv(t->argv[0], t->argv);
		fprintf(stderr, "exec %s: %s\n", t->argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	child = pid;
	timed_out = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: waitpid returns */
	sigaction(SIGALRM, &sa, NULL);
	alarm(t->timeout > 0 ? t->timeout : 300);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			die("waitpid");
	alarm(0);
	child = 0;
	/* Whatever the test left behind in its group goes with it. */
	kill(-pid, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	*secs = now() - start;

	text = slurp(out, &len);
	if (t->cli)
		etext = slurp(err, &elen);
	if (timed_out) {
		snprintf(what, whatlen, "***Timeout");
		failed = 1;
	} else if (WIFSIGNALED(status)) {
		snprintf(what, whatlen, "***Exception: signal %d",
		    WTERMSIG(status));
		failed = 1;
	} else if (t->nskip > 0 && matches(t->skip, t->nskip, text)) {
		snprintf(what, whatlen, "***Skipped");
		free(text);
		free(etext);
		return (2);
	} else {
		int rc = WEXITSTATUS(status);
		const char *why = "";

		if (t->cli) {
			/* cli_check.cmake: the status and every expression. */
			failed = 0;
			if (rc != t->exit_status) {
				failed = 1;
				why = ", expected another exit status";
			} else if (!all_match(t->out_re, t->nout, text) ||
			    !all_match(t->err_re, t->nerr, etext)) {
				failed = 1;
				why = ", an output expression did not match";
			}
		} else if (t->npass > 0) {
			/* As ctest: a required expression decides over the
			 * exit code. */
			failed = !matches(t->pass, t->npass, text);
			if (failed)
				why = ", required regular expression not found";
		} else
			failed = rc != 0;
		if (t->nfail > 0 && matches(t->fail, t->nfail, text)) {
			failed = 1;
			why = ", failure regular expression found";
		}
		if (t->will_fail) {
			failed = !failed;
			why = failed ? ", WILL_FAIL" : "";
		}
		if (failed)
			snprintf(what, whatlen, "***Failed (exit %d%s)", rc, why);
		else
			snprintf(what, whatlen, "Passed");
		if (t->cli && (failed || t->show)) {
			/* As cli_check.cmake prints it. */
			printf("----- output of %s:\n$", t->name);
			for (int i = 0; i < t->argc; i++)
				printf(" %s", t->argv[i]);
			printf("%s%s\n--- exit status: %d\n--- stdout:\n%s"
			    "--- stderr:\n%s---\n----- end of %s\n",
			    t->stdout_to != NULL ? " > " : "",
			    t->stdout_to != NULL ? t->stdout_to : "", rc, text,
			    etext, t->name);
			free(text);
			free(etext);
			return (failed);
		}
	}
	if (failed || t->show) {
		if (len > SHOWMAX)
			text[SHOWMAX] = '\0';
		printf("----- output of %s:\n%s%s----- end of %s\n", t->name,
		    text, len > 0 && text[strlen(text) - 1] != '\n' ? "\n" : "",
		    t->name);
		if (etext != NULL && etext[0] != '\0')
			printf("----- stderr of %s:\n%s\n----- end of %s\n",
			    t->name, etext, t->name);
	}
	free(text);
	free(etext);
	return (failed);
}

int
main(void)
{
	struct test *tests;
	char what[96], dots[64];
	double secs, total = 0;
	int n, k, r, nfailed = 0, width;

	setup();
	setenv("PATH", "/sbin:/bin:/usr/sbin:/usr/bin", 1);
	setenv("HOME", "/", 1);
	if (getpid() != 1)
		printf("fdpass-guest: not pid 1\n");
	n = load(&tests);
	printf("fdpass-guest: %d tests\n", n);
	width = n >= 100 ? 3 : n >= 10 ? 2 : 1;
	for (k = 0; k < n; k++) {
		struct test *t = &tests[k];
		int pad = 40 - (int)strlen(t->name);

		memset(dots, '.', sizeof(dots));
		dots[pad > 1 ? (pad < 63 ? pad : 63) : 1] = '\0';
		printf("      Start %*d: %s\n", width, k + 1, t->name);
		if (t->skipped) {
			printf("%*d/%d Test #%*d: %s %s   ***Skipped   0.00 sec"
			    " (%s)\n", width, k + 1, n, width, k + 1, t->name,
			    dots, t->reason);
			continue;
		}
		secs = 0;
		r = run(t, k + 1, &secs, what, sizeof(what));
		total += secs;
		printf("%*d/%d Test #%*d: %s %s   %s   %.2f sec\n", width, k + 1,
		    n, width, k + 1, t->name, dots, what, secs);
		if (r == 1) {
			nfailed++;
			t->reason = strdup(what);
		} else if (r == 2) {
			t->skipped = 1;
			t->reason = __DECONST(char *, "skip regular expression");
		}
	}
	printf("\n%d%% tests passed, %d tests failed out of %d\n\n",
	    n > 0 ? (n - nfailed) * 100 / n : 0, nfailed, n);
	printf("Total Test time (real) = %.2f sec\n", total);
	for (k = 0, r = 0; k < n; k++)
		if (tests[k].skipped) {
			if (r++ == 0)
				printf("\nThe following tests did not run:\n");
			printf("\t%3d - %s (Skipped: %s)\n", k + 1,
			    tests[k].name, tests[k].reason);
		}
	if (nfailed > 0) {
		printf("\nThe following tests FAILED:\n");
		for (k = 0; k < n; k++)
			if (!tests[k].skipped && tests[k].reason != NULL)
				printf("\t%3d - %s (%s)\n", k + 1,
				    tests[k].name, tests[k].reason);
	}
	printf("fdpass-guest: done\n");
	poweroff();
}
