// SPDX-License-Identifier: GPL-2.0
/*
 * lg-host: the rig's side of the bench phase "linux". Runs one VMM (the
 * command after "--") that boots the nested Linux guest, reads its console
 * (stdout and stderr) line by line and timestamps every line against the
 * VMM's start; the nested guest's tests/vm/nested/guest/bench.sh prints
 * what it measured.
 *
 * usage: lg-host --stack NAME --rep N --log FILE [--timeout S] -- CMD [ARG]...
 *
 * Prints to stdout, for tests/bench/report.py:
 *   - each "LG-BENCH {json}" of the guest as
 *     PA-BENCH {"bench":"linux","stack":NAME,"rep":N,"host_ms":T,<json>}
 *   - per "LG-PHASE P start" .. "LG-PHASE P end" pair, the vCPU exits KVM
 *     counted meanwhile: {"metric":"exits","phase":P,...}. Counters come
 *     from the VM's own debugfs directory (/sys/kernel/debug/kvm/PID-FD,
 *     the VMM's vCPUs summed) when there is one, else from KVM's global
 *     counters; both stacks are measured the same way.
 *   - at the end {"metric":"host","ready_ms":...}: the time from starting
 *     the VMM to the guest's "ready" line (its nvme namespace answered),
 *     to LG-BENCH-DONE and to the VMM's exit, its exit status, and the
 *     setup time pciassign-vmm reports itself ("vmm: ready in N ms";
 *     null for a VMM that says nothing of the kind).
 *   - "PA-BENCH-ERROR linux ..." for the guest's LG-BENCH-ERROR lines, a
 *     timeout, or a run that never finished.
 * The whole transcript, each line with its time in seconds, goes to FILE.
 * Exit status: 0 if the guest reached LG-BENCH-DONE and the VMM exited 0.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KVM_DEBUGFS "/sys/kernel/debug/kvm"
#define NSTATS 6
static const char *const stat_names[NSTATS] = {
	"exits", "mmio_exits", "io_exits", "irq_exits", "halt_exits", "irq_injections",
};

static const char *stack = "?";
static int rep;
static pid_t child;
static FILE *logf;

struct sample {
	uint64_t t;
	unsigned long long v[NSTATS];
	int have[NSTATS];
	int per_vm;
};

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int read_stat(const char *dir, const char *name, unsigned long long *v)
{
	char path[600];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	ok = fscanf(f, "%llu", v) == 1;
	fclose(f);
	return ok;
}

/* The VMM's VM directory in KVM's debugfs: "<pid>-<vm fd>". */
static int vm_dir(char *buf, size_t len)
{
	char prefix[32];
	struct dirent *e;
	DIR *d = opendir(KVM_DEBUGFS);
	int found = 0;

	if (!d)
		return 0;
	snprintf(prefix, sizeof(prefix), "%d-", (int)child);
	while ((e = readdir(d))) {
		if (!strncmp(e->d_name, prefix, strlen(prefix))) {
			snprintf(buf, len, "%s/%s", KVM_DEBUGFS, e->d_name);
			found = 1;
			break;
		}
	}
	closedir(d);
	return found;
}

static void sample(struct sample *s)
{
	char dir[512];
	int i;

	s->per_vm = vm_dir(dir, sizeof(dir));
	if (!s->per_vm)
		snprintf(dir, sizeof(dir), "%s", KVM_DEBUGFS);
	for (i = 0; i < NSTATS; i++)
		s->have[i] = read_stat(dir, stat_names[i], &s->v[i]);
	s->t = mono();
}

#define MAX_PHASES 8
static struct phase {
	char name[32];
	struct sample start;
} phases[MAX_PHASES];
static int nphases;

static void phase_start(const char *name)
{
	struct phase *p = NULL;
	int i;

	for (i = 0; i < nphases; i++)
		if (!strcmp(phases[i].name, name))
			p = &phases[i];
	if (!p) {
		if (nphases == MAX_PHASES)
			return;
		p = &phases[nphases++];
		snprintf(p->name, sizeof(p->name), "%s", name);
	}
	sample(&p->start);
}

static void phase_end(const char *name)
{
	struct sample e;
	double secs;
	int i, j;

	for (i = 0; i < nphases; i++) {
		struct phase *p = &phases[i];

		if (strcmp(p->name, name) || !p->start.t)
			continue;
		sample(&e);
		secs = (e.t - p->start.t) / 1e9;
		if (!p->start.have[0] || !e.have[0] || p->start.per_vm != e.per_vm) {
			printf("PA-BENCH-ERROR linux %s rep %d: no KVM exit counters in %s\n",
			       stack, rep, KVM_DEBUGFS);
			p->start.t = 0;
			return;
		}
		printf("PA-BENCH {\"bench\":\"linux\",\"stack\":\"%s\",\"rep\":%d,\"metric\":\"exits\","
		       "\"phase\":\"%s\",\"source\":\"%s\",\"secs\":%.3f", stack, rep, name,
		       e.per_vm ? "vm" : "global", secs);
		for (j = 0; j < NSTATS; j++)
			if (p->start.have[j] && e.have[j])
				printf(",\"%s\":%llu", stat_names[j], e.v[j] - p->start.v[j]);
		printf(",\"exits_per_s\":%.1f}\n", (e.v[0] - p->start.v[0]) / secs);
		p->start.t = 0;
		return;
	}
}

static double t0_ms(uint64_t t0)
{
	return (mono() - t0) / 1e6;
}

static double ready_ms = -1, done_ms = -1, setup_ms = -1;
static int errors;

static void line(char *l, uint64_t t0)
{
	double t = t0_ms(t0);
	char *p, *q, name[32], what[16];
	size_t n;

	/* The serial console may end lines with \r\n. */
	while ((n = strlen(l)) && (l[n - 1] == '\r' || l[n - 1] == '\n'))
		l[n - 1] = 0;
	fprintf(logf, "%9.3f %s\n", t / 1e3, l);
	p = strstr(l, "LG-BENCH {");
	q = p ? strrchr(p, '}') : NULL;
	if (q) {
		p += strlen("LG-BENCH ");
		q[1] = 0;
		if (strstr(p, "\"metric\":\"ready\"") && ready_ms < 0)
			ready_ms = t;
		/* Splice our keys in front of the guest's. */
		printf("PA-BENCH {\"bench\":\"linux\",\"stack\":\"%s\",\"rep\":%d,\"host_ms\":%.1f,%s\n",
		       stack, rep, t, p + 1);
		goto out;
	}
	p = strstr(l, "LG-BENCH-ERROR");
	if (p) {
		printf("PA-BENCH-ERROR linux %s rep %d: %s\n", stack, rep, p + strlen("LG-BENCH-ERROR "));
		errors++;
		goto out;
	}
	/* pciassign-vmm's own "vmm: ready in N ms" (set up, vCPUs not run yet). */
	p = strstr(l, "vmm: ready in ");
	if (p && setup_ms < 0) {
		setup_ms = atof(p + strlen("vmm: ready in "));
		goto out;
	}
	if (strstr(l, "LG-BENCH-DONE")) {
		if (done_ms < 0)
			done_ms = t;
		goto out;
	}
	p = strstr(l, "LG-PHASE ");
	if (p && sscanf(p, "LG-PHASE %31s %15s", name, what) == 2) {
		if (!strcmp(what, "start"))
			phase_start(name);
		else if (!strcmp(what, "end"))
			phase_end(name);
	}
out:
	fflush(stdout);
}

/* A time in ms for JSON, or null when it never happened. */
static void fmt_ms(char *buf, size_t len, double ms)
{
	if (ms < 0)
		snprintf(buf, len, "null");
	else
		snprintf(buf, len, "%.1f", ms);
}

static void usage(void)
{
	fprintf(stderr, "usage: lg-host --stack NAME --rep N --log FILE [--timeout S] -- CMD [ARG]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *logpath = NULL;
	int timeout_s = 300, pfd[2], status = -1, i, timed_out = 0, n;
	char buf[8192], *nl;
	size_t have = 0;
	uint64_t t0, deadline;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") && i + 1 < argc) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--stack") && i + 1 < argc) {
			stack = argv[++i];
		} else if (!strcmp(argv[i], "--rep") && i + 1 < argc) {
			rep = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
			logpath = argv[++i];
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			timeout_s = atoi(argv[++i]);
		} else {
			usage();
		}
	}
	if (!logpath || i >= argc || strcmp(argv[i - 1], "--"))
		usage();
	logf = fopen(logpath, "w");
	if (!logf) {
		perror(logpath);
		return 2;
	}
	setvbuf(logf, NULL, _IOLBF, 0);
	if (pipe2(pfd, O_CLOEXEC)) {
		perror("pipe");
		return 2;
	}
	t0 = mono();
	deadline = t0 + (uint64_t)timeout_s * 1000000000ull;
	child = fork();
	if (child < 0) {
		perror("fork");
		return 2;
	}
	if (!child) {
		int nul = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		dup2(nul, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execvp(argv[i], &argv[i]);
		fprintf(stderr, "lg-host: exec %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	fprintf(logf, "# %s rep %d:", stack, rep);
	for (n = i; n < argc; n++)
		fprintf(logf, " %s", argv[n]);
	fprintf(logf, "\n");
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		uint64_t now = mono();
		ssize_t r;

		if (now >= deadline) {
			timed_out = 1;
			break;
		}
		if (poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) <= 0)
			continue;
		r = read(pfd[0], buf + have, sizeof(buf) - 1 - have);
		if (r <= 0)
			break;
		have += r;
		buf[have] = 0;
		while ((nl = memchr(buf, '\n', have))) {
			*nl = 0;
			line(buf, t0);
			have -= nl + 1 - buf;
			memmove(buf, nl + 1, have);
			buf[have] = 0;
		}
		if (have == sizeof(buf) - 1) {	/* an endless line: cut it */
			line(buf, t0);
			have = 0;
		}
	}
	if (have) {
		buf[have] = 0;
		line(buf, t0);
	}
	if (timed_out) {
		kill(-child, SIGTERM);
		for (n = 0; n < 50 && waitpid(child, &status, WNOHANG) == 0; n++)
			usleep(100000);
		if (n == 50) {
			kill(-child, SIGKILL);
			waitpid(child, &status, 0);
		}
		printf("PA-BENCH-ERROR linux %s rep %d: timed out after %d s\n", stack, rep, timeout_s);
	} else {
		waitpid(child, &status, 0);
	}
	{
		double exit_ms = t0_ms(t0);
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		char r[32], d[32], su[32];

		fmt_ms(r, sizeof(r), ready_ms);
		fmt_ms(d, sizeof(d), done_ms);
		fmt_ms(su, sizeof(su), setup_ms);
		printf("PA-BENCH {\"bench\":\"linux\",\"stack\":\"%s\",\"rep\":%d,\"metric\":\"host\","
		       "\"ready_ms\":%s,\"done_ms\":%s,\"exit_ms\":%.1f,\"vmm_setup_ms\":%s,"
		       "\"status\":%d,\"guest_errors\":%d,\"complete\":%s}\n", stack, rep, r, d,
		       exit_ms, su, code, errors, done_ms >= 0 && code == 0 ? "true" : "false");
		fprintf(logf, "# exit status %d after %.1f ms\n", code, exit_ms);
		if (done_ms < 0 && !timed_out)
			printf("PA-BENCH-ERROR linux %s rep %d: the VMM exited (status %d) before LG-BENCH-DONE\n",
			       stack, rep, code);
		return done_ms >= 0 && code == 0 ? 0 : 1;
	}
}
