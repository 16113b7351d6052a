/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-host"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#define HG_KVM_PROBE_X86 1
#endif

#include <gio/gio.h>
#include <glib-unix.h>

#include "hg-firmware.h"
#include "hg-host.h"
#include "hg-runtime.h"
#include "hg-spawn.h"

/* ------------------------------------------------------------------ */
/* Arch names */

/* The arches Hangar has defaults for (board, CPU, buses: the table in
 * hg-cmdline-machine.c), in display order.  Which arches, boards and CPUs
 * are *allowed* is asked of the installed QEMU (hg-qemu-caps.h). */
static const char * const known_arches[] = {
  "i386", "x86_64", "arm", "aarch64", "mips", "mipsel", "mips64el", "ppc",
  "ppc64", "s390x", "sh4", "m68k", "alpha", "sparc", "sparc64", "riscv64", NULL
};

static char *
emulator_target (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  return g_strdup (base + strlen ("qemu-system-"));
}

const char * const *
hg_host_known_arches (void)
{
  static GStrv arches;

  if (g_once_init_enter (&arches))
    {
      g_auto(GStrv) paths = hg_qemu_caps_find_emulators ();
      GPtrArray *all = g_ptr_array_new ();

      for (guint i = 0; known_arches[i] != NULL; i++)
        g_ptr_array_add (all, g_strdup (known_arches[i]));
      for (guint i = 0; paths[i] != NULL; i++)
        {
          g_autofree char *target = emulator_target (paths[i]);

          if (!g_strv_contains (known_arches, target))
            g_ptr_array_add (all, g_steal_pointer (&target));
        }
      g_ptr_array_add (all, NULL);
      g_once_init_leave (&arches, (GStrv) g_ptr_array_free (all, FALSE));
    }
  return (const char * const *) arches;
}

gboolean
hg_host_arch_is_known (const char *arch)
{
  if (arch == NULL)
    return FALSE;
  return g_strv_contains (hg_host_known_arches (), arch);
}

const char *
hg_host_arch_canonical (const char *name)
{
  /* Debian's architecture names where they differ from QEMU's targets */
  static const char * const debian[][2] = {
    { "amd64", "x86_64" }, { "arm64", "aarch64" }, { "armhf", "arm" },
    { "armel", "arm" }, { "ppc64el", "ppc64" }, { "powerpc", "ppc" },
  };

  if (name == NULL)
    return NULL;
  for (guint i = 0; known_arches[i] != NULL; i++)
    if (g_str_equal (known_arches[i], name))
      return known_arches[i];
  for (guint i = 0; i < G_N_ELEMENTS (debian); i++)
    if (g_str_equal (debian[i][0], name))
      return debian[i][1];
  return NULL;
}

const char *
hg_host_emulator_name (const char *arch)
{
  /* Hangar's arch names are QEMU's target names; ppc64 covers ppc64le. */
  if (!hg_host_arch_is_known (arch))
    return NULL;
  return arch;
}

static char *
host_arch_from_uname (void)
{
  struct utsname u;
  const char *m;

  if (uname (&u) != 0)
    return g_strdup ("unknown");
  m = u.machine;
  if (g_str_equal (m, "i486") || g_str_equal (m, "i586") || g_str_equal (m, "i686"))
    return g_strdup ("i386");
  if (g_str_has_prefix (m, "armv"))
    return g_strdup ("arm");
  if (g_str_equal (m, "arm64"))
    return g_strdup ("aarch64");
  if (g_str_equal (m, "ppc64le"))
    return g_strdup ("ppc64");
  if (g_str_equal (m, "mips64") || g_str_equal (m, "mips"))
    return g_strdup ("mips");
  return g_strdup (m);
}

/* ------------------------------------------------------------------ */
/* Caps object */

static void
hg_emulator_free (HgEmulator *emu)
{
  if (emu == NULL)
    return;
  g_free (emu->arch);
  g_free (emu->path);
  g_free (emu->version);
  g_free (emu);
}

static HgHostCaps *
caps_alloc (void)
{
  HgHostCaps *caps = g_new0 (HgHostCaps, 1);

  caps->ref_count = 1;
  caps->emulators = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) hg_emulator_free);
  caps->firmwares = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_firmware_free);
  caps->qemu_caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) hg_qemu_caps_unref);
  caps->qemu_caps_looked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return caps;
}

static void
caps_add_emulator (HgHostCaps *caps,
                   const char *arch,
                   const char *path,
                   const char *version,
                   gboolean    sandbox)
{
  HgEmulator *emu = g_new0 (HgEmulator, 1);

  emu->arch = g_strdup (arch);
  emu->path = g_strdup (path);
  emu->version = g_strdup (version);
  emu->sandbox = sandbox;
  g_hash_table_replace (caps->emulators, emu->arch, emu);
}

HgHostCaps *
hg_host_caps_new_fixed (gboolean kvm_usable)
{
  HgHostCaps *caps = caps_alloc ();

  caps->host_arch = g_strdup ("x86_64");
  caps->kvm_usable = kvm_usable;
  caps->kvm_reason = g_strdup (kvm_usable ? "fixed caps: KVM usable"
                                          : "fixed caps: KVM not usable");
  caps->kvm_hyperv = kvm_usable ? HG_HOST_HYPERV_ALL : 0;
  caps->force_tcg = FALSE;
  for (guint i = 0; known_arches[i] != NULL; i++)
    {
      g_autofree char *path = g_strconcat ("/usr/bin/qemu-system-", known_arches[i], NULL);
      caps_add_emulator (caps, known_arches[i], path, "7.2.0", TRUE);
    }
  caps->qemu_img = g_strdup ("/usr/bin/qemu-img");
  caps->qemu_img_version = g_strdup ("7.2.0");
  caps->vde_switch = g_strdup ("/usr/bin/vde_switch");
  caps->vdeq = g_strdup ("/usr/bin/vdeq");
  caps->vdeq_wrapper = g_strdup ("/usr/libexec/hangar-vdeq-qemu");
  caps->helper = g_strdup ("/usr/libexec/hangar-net-helper");
  caps->pkexec = g_strdup ("/usr/bin/pkexec");
  return caps;
}

HgHostCaps *
hg_host_caps_ref (HgHostCaps *caps)
{
  g_return_val_if_fail (caps != NULL, NULL);
  g_atomic_int_inc (&caps->ref_count);
  return caps;
}

void
hg_host_caps_unref (HgHostCaps *caps)
{
  if (caps == NULL)
    return;
  if (!g_atomic_int_dec_and_test (&caps->ref_count))
    return;
  g_free (caps->host_arch);
  g_free (caps->kvm_reason);
  g_clear_pointer (&caps->emulators, g_hash_table_unref);
  g_clear_pointer (&caps->firmwares, g_ptr_array_unref);
  g_clear_pointer (&caps->qemu_caps, g_hash_table_unref);
  g_clear_pointer (&caps->qemu_caps_looked, g_hash_table_unref);
  g_free (caps->qemu_img);
  g_free (caps->qemu_img_version);
  g_free (caps->vde_switch);
  g_free (caps->vdeq);
  g_free (caps->vdeq_wrapper);
  g_free (caps->helper);
  g_free (caps->pkexec);
  g_free (caps);
}

const HgEmulator *
hg_host_caps_get_emulator (const HgHostCaps *caps,
                           const char       *arch)
{
  g_return_val_if_fail (caps != NULL, NULL);
  if (arch == NULL)
    return NULL;
  return g_hash_table_lookup (caps->emulators, arch);
}

const HgQemuCaps *
hg_host_caps_get_qemu_caps (const HgHostCaps *caps,
                            const char       *arch)
{
  HgHostCaps *self = (HgHostCaps *) caps;
  g_autoptr(GMutexLocker) locker = NULL;
  HgQemuCaps *qemu;

  g_return_val_if_fail (caps != NULL, NULL);
  if (arch == NULL)
    return NULL;
  /* read from the cache on first use, for the one arch asked about: a
   * start needs its own emulator's, not the 30-odd others' */
  locker = g_mutex_locker_new (&self->qemu_caps_lock);
  qemu = g_hash_table_lookup (self->qemu_caps, arch);
  if (qemu == NULL && !g_hash_table_contains (self->qemu_caps_looked, arch) &&
      g_hash_table_contains (self->emulators, arch))
    {
      g_hash_table_add (self->qemu_caps_looked, g_strdup (arch));
      qemu = hg_qemu_caps_lookup_cached (arch);
      if (qemu != NULL)
        g_hash_table_replace (self->qemu_caps, g_strdup (arch), qemu);
    }
  return qemu;
}

void
hg_host_caps_set_qemu_caps (HgHostCaps *caps,
                            const char *arch,
                            HgQemuCaps *qemu_caps)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (caps != NULL);
  g_return_if_fail (arch != NULL);
  locker = g_mutex_locker_new (&caps->qemu_caps_lock);
  if (qemu_caps == NULL)
    g_hash_table_remove (caps->qemu_caps, arch);
  else
    g_hash_table_replace (caps->qemu_caps, g_strdup (arch), hg_qemu_caps_ref (qemu_caps));
}

void
hg_host_caps_probe_qemu (HgHostCaps *caps)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (caps != NULL);

  g_hash_table_iter_init (&iter, caps->emulators);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const HgEmulator *emu = value;
      g_autoptr(HgQemuCaps) qemu = NULL;
      g_autoptr(GError) error = NULL;

      if (hg_host_caps_get_qemu_caps (caps, emu->arch) != NULL)
        continue;
      qemu = hg_qemu_caps_probe (emu->path, NULL, NULL, &error);
      if (qemu == NULL)
        g_message ("%s", error->message);
      else
        hg_host_caps_set_qemu_caps (caps, emu->arch, qemu);
    }
}

const char *
hg_host_caps_get_firmware (const HgHostCaps *caps,
                           const char       *arch)
{
  g_return_val_if_fail (caps != NULL, NULL);
  if (arch == NULL || caps->firmwares == NULL)
    return NULL;
  /* the first plain UEFI one: no Secure Boot, no keys */
  for (guint i = 0; i < caps->firmwares->len; i++)
    {
      const HgFirmware *fw = g_ptr_array_index (caps->firmwares, i);

      if (fw->uefi && g_strcmp0 (fw->device, "flash") == 0 && fw->executable != NULL &&
          (fw->features & (HG_FIRMWARE_FEATURE_SECURE_BOOT | HG_FIRMWARE_FEATURE_ENROLLED_KEYS)) == 0)
        for (guint k = 0; k < fw->targets->len; k++)
          if (g_strcmp0 (((HgFirmwareTarget *) g_ptr_array_index (fw->targets, k))->arch, arch) == 0)
            return fw->executable;
    }
  return NULL;
}

gboolean
hg_host_caps_kvm_usable_for (const HgHostCaps *caps,
                             const char       *arch)
{
  g_return_val_if_fail (caps != NULL, FALSE);

  if (caps->force_tcg || !caps->kvm_usable || arch == NULL || caps->host_arch == NULL)
    return FALSE;
  if (g_str_equal (arch, caps->host_arch))
    return TRUE;
  /* An x86_64 host runs 32-bit x86 guests under KVM too. */
  return g_str_equal (caps->host_arch, "x86_64") && g_str_equal (arch, "i386");
}

/* "QEMU emulator version 7.2.22 (Debian ...)" -> "7.2.22" */
static char *
parse_version (const char *text)
{
  const char *p;
  gsize n = 0;

  if (text == NULL || (p = strstr (text, "version ")) == NULL)
    return NULL;
  p += strlen ("version ");
  while (p[n] != '\0' && (g_ascii_isdigit (p[n]) || p[n] == '.'))
    n++;
  if (n == 0)
    return NULL;
  return g_strndup (p, n);
}

static char *
tool_version (const char *path)
{
  const char *argv[] = { path, "--version", NULL };
  g_autofree char *out = NULL;
  int status = -1;

  if (!hg_spawn_work_run (argv, NULL, 10000, &out, &status) || status != 0)
    return NULL;
  return parse_version (out);
}

/* The sandbox check starts the emulator for real, with exactly the -sandbox
 * option the command assembly uses, on the empty "none" machine, and quits
 * it over QMP on stdin.  An emulator built without seccomp refuses the
 * option and exits non-zero. */
static gboolean
emulator_sandbox_works (const char *path)
{
  const char *argv[] = {
    path, "-M", "none", "-nodefaults", "-no-user-config", "-display", "none",
    "-sandbox", HG_HOST_SANDBOX_OPTIONS, "-qmp", "stdio", NULL
  };
  const char *script = "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n";
  g_autofree char *out = NULL;
  int status = -1;

  if (!hg_spawn_work_run (argv, script, 15000, &out, &status))
    return FALSE;
  return status == 0;
}

/* ------------------------------------------------------------------ */
/* The probe cache: <runtime root>/host-cache.ini */

static char *
read_boot_id (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/sys/kernel/random/boot_id", &text, NULL, NULL))
    return g_strdup ("unknown");
  return g_strstrip (g_steal_pointer (&text));
}

static char *
kernel_release (void)
{
  struct utsname u;

  if (uname (&u) != 0)
    return g_strdup ("unknown");
  return g_strdup (u.release);
}

typedef struct {
  char     *path;
  GKeyFile *kf;
  gboolean  dirty;
} Cache;

static void
cache_open (Cache      *cache,
            const char *root)
{
  cache->kf = g_key_file_new ();
  cache->path = NULL;
  cache->dirty = FALSE;
  if (root == NULL)
    return;
  cache->path = g_build_filename (root, "host-cache.ini", NULL);
  (void) g_key_file_load_from_file (cache->kf, cache->path, G_KEY_FILE_NONE, NULL);
}

static void
cache_close (Cache *cache)
{
  if (cache->path != NULL && cache->dirty)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_path_get_dirname (cache->path);

      if (!hg_runtime_ensure_dir (dir, &error) ||
          !g_key_file_save_to_file (cache->kf, cache->path, &error))
        g_debug ("Cannot write the host probe cache: %s", error->message);
    }
  g_clear_pointer (&cache->kf, g_key_file_unref);
  g_clear_pointer (&cache->path, g_free);
}

/* ------------------------------------------------------------------ */
/* KVM probe */

#define KVM_PROBE_TIMEOUT_MS 1500
#define KVM_PROBE_LOOPS      10000000u
#define KVM_PROBE_PORT       0xe9
#define KVM_PROBE_VALUE      0x42

typedef enum {
  PROBE_OK = 0,
  PROBE_OPEN,
  PROBE_API,
  PROBE_CREATE_VM,
  PROBE_MEMORY,
  PROBE_VCPU,
  PROBE_REGS,
  PROBE_RUN,
  PROBE_EXIT,
  PROBE_N_STEPS
} ProbeStep;

typedef struct {
  gint32 step;
  gint32 err;
  gint32 exit_reason;
} ProbeResult;

#ifdef HG_KVM_PROBE_X86
/* Runs in the forked child: only system calls, no allocation, no locks. */
static void
kvm_probe_child (int out_fd)
{
  /* Real mode at 0x1000:
   *   mov ecx, 10000000 ; 1: dec ecx ; jnz 1b ; mov al, 0x42 ; out 0xe9, al ; hlt
   * Ten million iterations take a few milliseconds on working KVM; on
   * hosts where guests "hang" (nested virtualisation that traps, or a vCPU
   * that never runs) KVM_RUN does not come back. */
  static const unsigned char code[] = {
    0x66, 0xb9,
    KVM_PROBE_LOOPS & 0xff, (KVM_PROBE_LOOPS >> 8) & 0xff,
    (KVM_PROBE_LOOPS >> 16) & 0xff, (KVM_PROBE_LOOPS >> 24) & 0xff,
    0x66, 0x49,
    0x75, 0xfc,
    0xb0, KVM_PROBE_VALUE,
    0xe6, KVM_PROBE_PORT,
    0xf4,
  };
  ProbeResult res = { PROBE_OK, 0, -1 };
  struct kvm_userspace_memory_region region;
  struct kvm_sregs sregs;
  struct kvm_regs regs;
  struct kvm_run *run;
  unsigned char *mem;
  int kvm, vm, vcpu, size;

  kvm = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0)
    { res.step = PROBE_OPEN; goto fail; }
  if (ioctl (kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
    { res.step = PROBE_API; goto fail; }
  vm = ioctl (kvm, KVM_CREATE_VM, 0);
  if (vm < 0)
    { res.step = PROBE_CREATE_VM; goto fail; }

  mem = mmap (NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED)
    { res.step = PROBE_MEMORY; goto fail; }
  memcpy (mem, code, sizeof code);
  memset (&region, 0, sizeof region);
  region.slot = 0;
  region.guest_phys_addr = 0x1000;
  region.memory_size = 0x1000;
  region.userspace_addr = (unsigned long) mem;
  if (ioctl (vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
    { res.step = PROBE_MEMORY; goto fail; }

  vcpu = ioctl (vm, KVM_CREATE_VCPU, 0);
  size = ioctl (kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (vcpu < 0 || size <= 0)
    { res.step = PROBE_VCPU; goto fail; }
  run = mmap (NULL, (size_t) size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
  if (run == MAP_FAILED)
    { res.step = PROBE_VCPU; goto fail; }

  if (ioctl (vcpu, KVM_GET_SREGS, &sregs) < 0)
    { res.step = PROBE_REGS; goto fail; }
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  if (ioctl (vcpu, KVM_SET_SREGS, &sregs) < 0)
    { res.step = PROBE_REGS; goto fail; }
  memset (&regs, 0, sizeof regs);
  regs.rip = 0x1000;
  regs.rflags = 0x2;
  if (ioctl (vcpu, KVM_SET_REGS, &regs) < 0)
    { res.step = PROBE_REGS; goto fail; }

  if (ioctl (vcpu, KVM_RUN, 0) < 0)
    { res.step = PROBE_RUN; goto fail; }

  res.exit_reason = (gint32) run->exit_reason;
  if (run->exit_reason != KVM_EXIT_IO ||
      run->io.direction != KVM_EXIT_IO_OUT ||
      run->io.port != KVM_PROBE_PORT ||
      run->io.size != 1 ||
      ((unsigned char *) run)[run->io.data_offset] != KVM_PROBE_VALUE)
    res.step = PROBE_EXIT;
  goto done;

fail:
  res.err = errno;
done:
  if (write (out_fd, &res, sizeof res) != (ssize_t) sizeof res)
    _exit (2);
  _exit (0);
}
#endif

typedef struct {
  gboolean exited;
  gboolean timed_out;
} ProbeWait;

static void
probe_child_exited (GPid     pid,
                    gint     status,
                    gpointer user_data)
{
  ProbeWait *w = user_data;

  w->exited = TRUE;
}

static gboolean
probe_deadline (gpointer user_data)
{
  ProbeWait *w = user_data;

  w->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wait_child (GMainContext *ctx,
            GPid          pid,
            guint         timeout_ms)
{
  ProbeWait w = { FALSE, FALSE };
  g_autoptr(GSource) watch = g_child_watch_source_new (pid);
  g_autoptr(GSource) deadline = g_timeout_source_new (timeout_ms);

  g_source_set_callback (watch, G_SOURCE_FUNC (probe_child_exited), &w, NULL);
  g_source_attach (watch, ctx);
  g_source_set_callback (deadline, probe_deadline, &w, NULL);
  g_source_attach (deadline, ctx);
  while (!w.exited && !w.timed_out)
    g_main_context_iteration (ctx, TRUE);
  g_source_destroy (watch);
  g_source_destroy (deadline);
  return w.exited;
}

static const char *
probe_step_name (ProbeStep step)
{
  switch (step)
    {
    case PROBE_OPEN: return "opening /dev/kvm";
    case PROBE_API: return "KVM_GET_API_VERSION";
    case PROBE_CREATE_VM: return "KVM_CREATE_VM";
    case PROBE_MEMORY: return "KVM_SET_USER_MEMORY_REGION";
    case PROBE_VCPU: return "KVM_CREATE_VCPU";
    case PROBE_REGS: return "setting the vCPU registers";
    case PROBE_RUN: return "KVM_RUN";
    case PROBE_EXIT: return "the guest's exit";
    case PROBE_OK:
    case PROBE_N_STEPS:
    default: return "?";
    }
}

static gboolean
kvm_probe_uncached (char **reason)
{
#ifdef HG_KVM_PROBE_X86
  g_autoptr(GMainContext) ctx = NULL;
  ProbeResult res = { PROBE_N_STEPS, 0, -1 };
  int fds[2];
  pid_t pid;
  ssize_t n;

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, NULL))
    {
      *reason = g_strdup_printf ("cannot create a pipe for the KVM probe: %s", g_strerror (errno));
      return FALSE;
    }

  pid = fork ();
  if (pid < 0)
    {
      int saved = errno;
      close (fds[0]);
      close (fds[1]);
      *reason = g_strdup_printf ("cannot fork the KVM probe: %s", g_strerror (saved));
      return FALSE;
    }
  if (pid == 0)
    {
      close (fds[0]);
      kvm_probe_child (fds[1]);
      _exit (3);
    }
  close (fds[1]);

  ctx = g_main_context_new ();
  if (!wait_child (ctx, pid, KVM_PROBE_TIMEOUT_MS))
    {
      close (fds[0]);
      kill (pid, SIGKILL);
      if (!wait_child (ctx, pid, 2000))
        g_warning ("The KVM probe (pid %d) did not die after SIGKILL", (int) pid);
      *reason = g_strdup_printf ("KVM_RUN did not return within %.1f s: a loop of %u iterations "
                                 "that takes milliseconds under working KVM "
                                 "never finished (guests hang on this host)",
                                 KVM_PROBE_TIMEOUT_MS / 1000.0, KVM_PROBE_LOOPS);
      return FALSE;
    }

  do
    n = read (fds[0], &res, sizeof res);
  while (n < 0 && errno == EINTR);
  close (fds[0]);

  if (n != (ssize_t) sizeof res)
    {
      *reason = g_strdup ("the KVM probe died without an answer");
      return FALSE;
    }
  if (res.step == PROBE_OK)
    {
      *reason = g_strdup_printf ("a real-mode guest ran a loop of %u iterations and exited to "
                                 "the host through an I/O port within %.1f s",
                                 KVM_PROBE_LOOPS, KVM_PROBE_TIMEOUT_MS / 1000.0);
      return TRUE;
    }
  if (res.step == PROBE_EXIT)
    *reason = g_strdup_printf ("the probe guest exited with KVM exit reason %d instead "
                               "of its I/O port write", res.exit_reason);
  else if (res.err != 0)
    *reason = g_strdup_printf ("%s failed: %s", probe_step_name (res.step),
                               g_strerror (res.err));
  else
    *reason = g_strdup_printf ("%s failed", probe_step_name (res.step));
  return FALSE;
#else
  *reason = g_strdup ("the KVM probe only knows x86 hosts; KVM is not used here");
  return FALSE;
#endif
}

static gboolean
kvm_probe_with_cache (Cache  *cache,
                      char  **reason)
{
  g_autofree char *boot_id = read_boot_id ();
  g_autofree char *release = kernel_release ();
  g_autofree char *c_boot = NULL;
  g_autofree char *c_release = NULL;
  gboolean usable;

  /* Cheap checks first, never cached (group membership can change). */
  if (!g_file_test ("/dev/kvm", G_FILE_TEST_EXISTS))
    {
      *reason = g_strdup ("/dev/kvm does not exist (no KVM module loaded, or not "
                          "supported by this CPU)");
      return FALSE;
    }
  if (access ("/dev/kvm", R_OK | W_OK) != 0)
    {
      *reason = g_strdup_printf ("cannot open /dev/kvm: %s (are you in the kvm group?)",
                                 g_strerror (errno));
      return FALSE;
    }

  c_boot = g_key_file_get_string (cache->kf, "kvm", "boot-id", NULL);
  c_release = g_key_file_get_string (cache->kf, "kvm", "kernel", NULL);
  if (g_strcmp0 (c_boot, boot_id) == 0 && g_strcmp0 (c_release, release) == 0 &&
      g_key_file_has_key (cache->kf, "kvm", "usable", NULL))
    {
      g_autofree char *c_reason = g_key_file_get_string (cache->kf, "kvm", "reason", NULL);
      usable = g_key_file_get_boolean (cache->kf, "kvm", "usable", NULL);
      *reason = g_strdup_printf ("%s (probed earlier this boot)",
                                 c_reason ? c_reason : "cached");
      return usable;
    }

  usable = kvm_probe_uncached (reason);
  g_key_file_set_string (cache->kf, "kvm", "boot-id", boot_id);
  g_key_file_set_string (cache->kf, "kvm", "kernel", release);
  g_key_file_set_boolean (cache->kf, "kvm", "usable", usable);
  g_key_file_set_string (cache->kf, "kvm", "reason", *reason);
  cache->dirty = TRUE;
  return usable;
}

gboolean
hg_host_probe_kvm (const char  *cache_root,
                   char       **reason)
{
  Cache cache;
  g_autofree char *why = NULL;
  gboolean usable;

  cache_open (&cache, cache_root);
  usable = kvm_probe_with_cache (&cache, &why);
  cache_close (&cache);
  if (reason != NULL)
    *reason = g_steal_pointer (&why);
  return usable;
}

/* ------------------------------------------------------------------ */
/* Whole-host probe */

static char *
find_tool (const char *env_var,
           const char *name)
{
  const char *env = env_var ? g_getenv (env_var) : NULL;

  if (env != NULL && *env != '\0')
    return g_file_test (env, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup (env) : NULL;
  return g_find_program_in_path (name);
}

/* mtime:size:inode, what says that a binary changed */
static char *
file_stamp (const struct stat *st)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ":%" G_GUINT64_FORMAT,
                          (gint64) st->st_mtime, (gint64) st->st_size, (guint64) st->st_ino);
}

/* A tool's --version, from the cache while the binary is unchanged: a
 * start probes the host, and running qemu-img each time cost ~4 ms of it */
static char *
cached_tool_version (Cache      *cache,
                     const char *path)
{
  g_autofree char *group = g_strconcat ("tool ", path, NULL);
  g_autofree char *stamp = NULL;
  g_autofree char *c_stamp = NULL;
  char *version;
  struct stat st;

  if (stat (path, &st) != 0)
    return tool_version (path);
  stamp = file_stamp (&st);
  c_stamp = g_key_file_get_string (cache->kf, group, "stamp", NULL);
  if (g_strcmp0 (stamp, c_stamp) == 0 &&
      (version = g_key_file_get_string (cache->kf, group, "version", NULL)) != NULL)
    return version;
  version = tool_version (path);
  g_key_file_set_string (cache->kf, group, "stamp", stamp);
  if (version != NULL)
    g_key_file_set_string (cache->kf, group, "version", version);
  cache->dirty = TRUE;
  return version;
}

static void
probe_emulator (HgHostCaps *caps,
                Cache      *cache,
                const char *arch,
                const char *path)
{
  g_autofree char *group = g_strconcat ("emulator ", path, NULL);
  g_autofree char *stamp = NULL;
  g_autofree char *c_stamp = NULL;
  g_autofree char *version = NULL;
  gboolean sandbox;
  struct stat st;

  if (stat (path, &st) != 0)
    return;
  stamp = file_stamp (&st);
  c_stamp = g_key_file_get_string (cache->kf, group, "stamp", NULL);
  if (g_strcmp0 (stamp, c_stamp) == 0)
    {
      version = g_key_file_get_string (cache->kf, group, "version", NULL);
      sandbox = g_key_file_get_boolean (cache->kf, group, "sandbox", NULL);
    }
  else
    {
      version = tool_version (path);
      sandbox = emulator_sandbox_works (path);
      g_key_file_set_string (cache->kf, group, "stamp", stamp);
      if (version != NULL)
        g_key_file_set_string (cache->kf, group, "version", version);
      g_key_file_set_boolean (cache->kf, group, "sandbox", sandbox);
      cache->dirty = TRUE;
    }
  caps_add_emulator (caps, arch, path, version, sandbox);
}

/* KVM_CHECK_EXTENSION on /dev/kvm: which Hyper-V enlightenments the
 * kernel offers (some hosts' KVM offers none) */
static guint
kvm_hyperv_probe (void)
{
  static const struct {
    int cap;
    HgHostHyperv flag;
  } checks[] = {
    { KVM_CAP_HYPERV, HG_HOST_HYPERV_BASE },
    { KVM_CAP_HYPERV_VAPIC, HG_HOST_HYPERV_VAPIC },
    { KVM_CAP_HYPERV_SPIN, HG_HOST_HYPERV_SPIN },
    { KVM_CAP_HYPERV_TIME, HG_HOST_HYPERV_TIME },
    { KVM_CAP_HYPERV_VP_INDEX, HG_HOST_HYPERV_VPINDEX },
    { KVM_CAP_HYPERV_SYNIC2, HG_HOST_HYPERV_SYNIC },
    { KVM_CAP_HYPERV_TLBFLUSH, HG_HOST_HYPERV_TLBFLUSH },
    { KVM_CAP_HYPERV_SEND_IPI, HG_HOST_HYPERV_IPI },
  };
  guint flags = 0;
  int fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);

  if (fd < 0)
    return 0;
  for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
    if (ioctl (fd, KVM_CHECK_EXTENSION, checks[i].cap) > 0)
      flags |= checks[i].flag;
  close (fd);
  return flags;
}

HgHostCaps *
hg_host_caps_probe (void)
{
  HgHostCaps *caps = caps_alloc ();
  g_autofree char *root = hg_runtime_root ();
  const char *accel = g_getenv ("HANGAR_ACCEL");
  Cache cache;

  cache_open (&cache, root);

  caps->host_arch = host_arch_from_uname ();
  caps->force_tcg = (accel != NULL && g_ascii_strcasecmp (accel, "tcg") == 0);

  {
    /* Every installed emulator, with what it offers if that is cached;
     * never a QMP probe here (that is hg_qemu_caps_probe_async()). */
    g_auto(GStrv) paths = hg_qemu_caps_find_emulators ();

    for (guint i = 0; paths[i] != NULL; i++)
      {
        g_autofree char *arch = emulator_target (paths[i]);

        /* what it offers is read from the cache on first use
         * (hg_host_caps_get_qemu_caps) */
        probe_emulator (caps, &cache, arch, paths[i]);
      }
  }

  /* firmware: QEMU's descriptors, as libvirt reads them */
  g_clear_pointer (&caps->firmwares, g_ptr_array_unref);
  caps->firmwares = hg_firmware_load_all (NULL);

  caps->qemu_img = find_tool ("HANGAR_QEMU_IMG", "qemu-img");
  if (caps->qemu_img != NULL)
    caps->qemu_img_version = cached_tool_version (&cache, caps->qemu_img);
  caps->vde_switch = find_tool (NULL, "vde_switch");
  caps->vdeq = find_tool (NULL, "vdeq");
  caps->pkexec = find_tool (NULL, "pkexec");

  {
    const char *env = g_getenv ("HANGAR_HELPER");
    const char *helper = (env != NULL && *env != '\0') ? env : HELPER_PATH;
    if (g_file_test (helper, G_FILE_TEST_IS_EXECUTABLE))
      caps->helper = g_strdup (helper);
  }
  {
    const char *env = g_getenv ("HANGAR_VDEQ_WRAPPER");
    g_autofree char *def = g_build_filename (LIBEXECDIR, "hangar-vdeq-qemu", NULL);
    const char *wrapper = (env != NULL && *env != '\0') ? env : def;
    if (g_file_test (wrapper, G_FILE_TEST_IS_EXECUTABLE))
      caps->vdeq_wrapper = g_strdup (wrapper);
  }

  if (caps->force_tcg)
    {
      caps->kvm_usable = FALSE;
      caps->kvm_reason = g_strdup ("not probed: HANGAR_ACCEL=tcg forces TCG");
    }
  else
    caps->kvm_usable = kvm_probe_with_cache (&cache, &caps->kvm_reason);
  if (caps->kvm_usable)
    caps->kvm_hyperv = kvm_hyperv_probe ();

  cache_close (&cache);
  return caps;
}
