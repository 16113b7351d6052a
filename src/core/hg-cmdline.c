/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cmdline"
#include "config.h"

#include <string.h>

#include "hg-cmdline.h"

/* Command assembly, in the spirit of libvirt's qemu_command.c: a pure
 * function from (config, boot mode, runtime paths, host caps) to an argv.
 * Nothing here touches the file system or the environment.
 *
 * Safety rules kept throughout:
 *  - every user value that goes into a QEMU option list (key=value,...) is
 *    passed through hg_cmdline_escape(), so a ',' cannot start a new key;
 *  - every user value that gets an argv slot of its own follows the option
 *    that consumes it (-kernel PATH, -append TEXT ...), and paths are made
 *    absolute, so nothing a user writes can be read as an option;
 *  - control characters (newline ...) in paths are refused;
 *  - every disk gets an explicit format=. */

G_DEFINE_QUARK (hg-cmdline-error-quark, hg_cmdline_error)

/* ------------------------------------------------------------------ */
/* Per-arch and per-board knowledge */

typedef enum {
  BOOT_BY_ORDER,   /* firmware honours -boot order= (SeaBIOS, OpenBIOS) */
  BOOT_BY_INDEX,   /* firmware honours bootindex= (UEFI, SLOF) */
  BOOT_BY_NONE,    /* the board boots a -kernel or its own ROM only */
} BootStyle;

typedef enum {
  VIRTIO_NONE,
  VIRTIO_PCI,
  VIRTIO_MMIO,
} VirtioKind;

typedef struct {
  const char *arch;
  const char *machine;      /* default machine */
  const char *cpu_tcg;      /* default -cpu under TCG (NULL: QEMU's) */
  const char *disk_if;      /* default disk interface */
  const char *nic_model;    /* default NIC */
} ArchInfo;

static const ArchInfo arch_table[] = {
  { "i386",    "pc",      NULL,         "ide",    "e1000" },
  { "x86_64",  "q35",     "max",        "virtio", "virtio-net-pci" },
  { "arm",     "virt",    "cortex-a15", "virtio", "virtio-net-pci" },
  { "aarch64", "virt",    "max",        "virtio", "virtio-net-pci" },
  { "mips",    "malta",   NULL,         "ide",    "pcnet" },
  { "mipsel",  "malta",   NULL,         "ide",    "pcnet" },
  { "ppc",     "mac99",   NULL,         "ide",    "sungem" },
  { "ppc64",   "pseries", NULL,         "scsi",   "spapr-vlan" },
  { "sh4",     "r2d",     NULL,         "ide",    "rtl8139" },
  { "m68k",    "virt",    NULL,         "virtio", "virtio-net-device" },
  { "alpha",   "clipper", NULL,         "ide",    "e1000" },
  { "sparc",   "SS-5",    NULL,         "scsi",   "lance" },
  { "sparc64", "sun4u",   NULL,         "ide",    "sunhme" },
  { "riscv64", "virt",    NULL,         "virtio", "virtio-net-pci" },
};

typedef struct {
  const char *arches;       /* space-separated, padded: " arm aarch64 " */
  const char *machine;
  gboolean    pci;          /* PCI bus: virtio-*-pci, qemu-xhci */
  gboolean    ide;          /* an IDE/SATA bus on board */
  gboolean    floppy;       /* a floppy controller (or one can be added) */
  const char *fdc_device;   /* controller to add for a floppy, or NULL */
  const char *scsi_ctrl;    /* SCSI controller to add, NULL: on board */
  VirtioKind  virtio;
  BootStyle   boot;
  const char *vga;          /* default -vga, "virtio-gpu-pci" (-device), NULL none */
  gboolean    nic_onboard;  /* NIC is not user-creatable: -net nic,netdev= */
  gboolean    usb_kbd;      /* graphical consoles need a USB keyboard */
  gboolean    usb_tablet;   /* absolute pointer for VNC */
  guint       serial_index; /* which serial port the Linux console uses */
  guint       max_cpus;     /* 0: not checked here */
  guint       max_mem_mib;  /* 0: not checked here */
  guint       mem_align_mib;
} BoardInfo;

static const BoardInfo board_table[] = {
  { " i386 x86_64 ", "pc", TRUE, TRUE, TRUE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_ORDER, "std", FALSE, FALSE, TRUE, 0, 0, 0, 0 },
  { " i386 x86_64 ", "q35", TRUE, TRUE, TRUE, "isa-fdc", "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_ORDER, "std", FALSE, FALSE, TRUE, 0, 0, 0, 0 },
  { " arm aarch64 riscv64 ", "virt", TRUE, FALSE, FALSE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_INDEX, "virtio-gpu-pci", FALSE, TRUE, TRUE, 0, 0, 0, 0 },
  { " m68k ", "virt", FALSE, FALSE, FALSE, NULL, "virtio-scsi-device", VIRTIO_MMIO,
    BOOT_BY_NONE, NULL, FALSE, FALSE, FALSE, 0, 1, 3328, 0 },
  { " mips mipsel ", "malta", TRUE, TRUE, FALSE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_NONE, "cirrus", FALSE, FALSE, FALSE, 0, 16, 2048, 0 },
  { " ppc ", "mac99", TRUE, TRUE, FALSE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_ORDER, "std", FALSE, FALSE, FALSE, 0, 1, 2048, 0 },
  { " ppc ", "g3beige", TRUE, TRUE, FALSE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_ORDER, "std", FALSE, FALSE, FALSE, 0, 1, 2048, 0 },
  { " ppc64 ", "pseries", TRUE, FALSE, FALSE, NULL, "spapr-vscsi", VIRTIO_PCI,
    BOOT_BY_INDEX, "std", FALSE, TRUE, TRUE, 0, 0, 0, 256 },
  { " sh4 ", "r2d", TRUE, TRUE, FALSE, NULL, NULL, VIRTIO_NONE,
    BOOT_BY_NONE, NULL, FALSE, FALSE, FALSE, 1, 1, 0, 0 },
  { " alpha ", "clipper", TRUE, TRUE, FALSE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_NONE, "cirrus", FALSE, FALSE, FALSE, 0, 4, 0, 0 },
  { " sparc ", "SS-5", FALSE, FALSE, FALSE, NULL, NULL, VIRTIO_NONE,
    BOOT_BY_ORDER, "tcx", TRUE, FALSE, FALSE, 0, 1, 256, 0 },
  { " sparc64 ", "sun4u", TRUE, TRUE, FALSE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_ORDER, "std", TRUE, FALSE, FALSE, 0, 1, 0, 0 },
};

static const ArchInfo *
arch_info (const char *arch)
{
  if (arch == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (arch_table); i++)
    if (g_str_equal (arch_table[i].arch, arch))
      return &arch_table[i];
  return NULL;
}

static const BoardInfo *
board_info (const char *arch,
            const char *machine)
{
  g_autofree char *needle = g_strconcat (" ", arch, " ", NULL);
  const char *base = machine;

  /* Versioned x86 machine names behave like their family. */
  if (g_str_has_prefix (machine, "pc-q35-"))
    base = "q35";
  else if (g_str_has_prefix (machine, "pc-i440fx-"))
    base = "pc";

  for (guint i = 0; i < G_N_ELEMENTS (board_table); i++)
    if (g_str_equal (board_table[i].machine, base) &&
        strstr (board_table[i].arches, needle) != NULL)
      return &board_table[i];
  return NULL;
}

const char *
hg_cmdline_default_machine (const char *arch)
{
  const ArchInfo *info = arch_info (arch);

  return info ? info->machine : NULL;
}

/* ------------------------------------------------------------------ */
/* Escaping and checks */

char *
hg_cmdline_escape (const char *value)
{
  GString *s;

  g_return_val_if_fail (value != NULL, NULL);

  s = g_string_sized_new (strlen (value) + 8);
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == ',')
        g_string_append_c (s, ',');
      g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

static gboolean
is_safe_display_char (char c)
{
  return g_ascii_isalnum (c) || strchr ("_@%+=:,./-", c) != NULL;
}

char *
hg_cmdline_to_display (const char * const *argv)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (argv != NULL, NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    {
      const char *arg = argv[i];
      gboolean plain = *arg != '\0';

      for (const char *p = arg; *p != '\0' && plain; p++)
        plain = is_safe_display_char (*p);
      if (i > 0)
        g_string_append_c (s, ' ');
      if (plain)
        g_string_append (s, arg);
      else
        {
          g_autofree char *quoted = g_shell_quote (arg);
          g_string_append (s, quoted);
        }
    }
  return g_string_free (s, FALSE);
}

/* The builder: argv plus the context needed for errors */
typedef struct {
  HgVmConfig         *config;
  const HgHostCaps   *caps;
  const HgRuntimePaths *runtime;
  const ArchInfo     *arch;
  const BoardInfo    *board;
  const char         *machine;
  HgBootMode          boot_mode;
  HgAccel             accel;
  GPtrArray          *argv;
  GError            **error;
  gboolean            scsi_added;
  gboolean            usb_added;
  gboolean            fdc_added;
  guint               next_bootindex;
} Builder;

static void
add (Builder    *b,
     const char *arg)
{
  g_ptr_array_add (b->argv, g_strdup (arg));
}

static void
add2 (Builder    *b,
      const char *opt,
      const char *value)
{
  add (b, opt);
  add (b, value);
}

G_GNUC_PRINTF (3, 4)
static void
add_printf (Builder    *b,
            const char *opt,
            const char *format,
            ...)
{
  va_list args;

  if (opt != NULL)
    add (b, opt);
  va_start (args, format);
  g_ptr_array_add (b->argv, g_strdup_vprintf (format, args));
  va_end (args);
}

G_GNUC_PRINTF (4, 5)
static gboolean
fail (Builder    *b,
      int         code,
      const char *key,
      const char *format,
      ...)
{
  g_autofree char *msg = NULL;
  const char *file = b->config->path ? b->config->path : b->config->label;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (key != NULL)
    g_set_error (b->error, HG_CMDLINE_ERROR, code, "%s: %s: %s", file ? file : "VM", key, msg);
  else
    g_set_error (b->error, HG_CMDLINE_ERROR, code, "%s: %s", file ? file : "VM", msg);
  return FALSE;
}

static gboolean
has_control_chars (const char *s)
{
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

/* [A-Za-z0-9] plus extra characters, non-empty */
static gboolean
is_word (const char *s,
         const char *extra)
{
  if (s == NULL || *s == '\0')
    return FALSE;
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (extra, *p) == NULL)
      return FALSE;
  return TRUE;
}

/* A path from the config made absolute (relative to the VM directory),
 * refusing what cannot be passed safely.  key names it in errors. */
static char *
resolve_path (Builder    *b,
              const char *key,
              const char *path)
{
  if (path == NULL || *path == '\0')
    {
      fail (b, HG_CMDLINE_ERROR_MISSING, key, "no path given");
      return NULL;
    }
  if (has_control_chars (path))
    {
      fail (b, HG_CMDLINE_ERROR_INVALID, key,
            "the path contains a newline or another control character");
      return NULL;
    }
  if (g_path_is_absolute (path))
    return g_canonicalize_filename (path, NULL);
  if (b->config->dir == NULL || !g_path_is_absolute (b->config->dir))
    {
      fail (b, HG_CMDLINE_ERROR_INVALID, key,
            "relative path \"%s\" but the VM has no directory", path);
      return NULL;
    }
  return g_canonicalize_filename (path, b->config->dir);
}

static char *
group_key (const char *group,
           guint       index,
           const char *key)
{
  return g_strdup_printf ("[%s:%u] %s", group, index, key);
}

/* ------------------------------------------------------------------ */
/* Accelerator */

gboolean
hg_cmdline_choose_accel (HgVmConfig        *config,
                         const HgHostCaps  *caps,
                         HgAccel           *out_accel,
                         GError           **error)
{
  gboolean usable;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (caps != NULL, FALSE);
  g_return_val_if_fail (out_accel != NULL, FALSE);

  /* HANGAR_ACCEL=tcg is a deliberate override: it wins over the config. */
  if (caps->force_tcg)
    {
      *out_accel = HG_ACCEL_TCG;
      return TRUE;
    }

  usable = hg_host_caps_kvm_usable_for (caps, config->arch);
  switch (config->accel)
    {
    case HG_ACCEL_TCG:
      *out_accel = HG_ACCEL_TCG;
      return TRUE;
    case HG_ACCEL_AUTO:
      *out_accel = usable ? HG_ACCEL_KVM : HG_ACCEL_TCG;
      return TRUE;
    case HG_ACCEL_KVM:
      if (usable)
        {
          *out_accel = HG_ACCEL_KVM;
          return TRUE;
        }
      if (!caps->kvm_usable)
        g_set_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_UNSUPPORTED,
                     "%s: [machine] accel: kvm was asked for, but KVM is not usable on "
                     "this host: %s", config->path ? config->path : config->label,
                     caps->kvm_reason ? caps->kvm_reason : "not probed");
      else
        g_set_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_UNSUPPORTED,
                     "%s: [machine] accel: kvm was asked for, but KVM on this %s host "
                     "cannot run %s guests (use accel=tcg or auto)",
                     config->path ? config->path : config->label,
                     caps->host_arch ? caps->host_arch : "unknown",
                     config->arch ? config->arch : "?");
      return FALSE;
    default:
      g_set_error (error, HG_CMDLINE_ERROR, HG_CMDLINE_ERROR_INVALID,
                   "[machine] accel: unknown accelerator %d", (int) config->accel);
      return FALSE;
    }
}

/* ------------------------------------------------------------------ */
/* Pieces */

static gboolean
add_machine (Builder *b)
{
  HgVmConfig *c = b->config;
  const char *cpu = c->cpu_model;
  g_autofree char *machine = hg_cmdline_escape (b->machine);

  add2 (b, "-machine", machine);
  add2 (b, "-accel", b->accel == HG_ACCEL_KVM ? "kvm" : "tcg");

  if (cpu == NULL || *cpu == '\0')
    cpu = b->accel == HG_ACCEL_KVM ? "host" : b->arch->cpu_tcg;
  if (cpu != NULL)
    {
      if (!is_word (cpu, "_.+-"))
        return fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] cpu",
                     "\"%s\" is not a CPU model name", cpu);
      add2 (b, "-cpu", cpu);
    }

  if (c->memory_mib == 0)
    return fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] memory", "must be at least 1 MiB");
  if (b->board->max_mem_mib != 0 && c->memory_mib > b->board->max_mem_mib)
    return fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] memory",
                 "%u MiB is more than machine %s takes (at most %u MiB)",
                 c->memory_mib, b->machine, b->board->max_mem_mib);
  if (b->board->mem_align_mib != 0 && c->memory_mib % b->board->mem_align_mib != 0)
    return fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] memory",
                 "machine %s needs a multiple of %u MiB (not %u)",
                 b->machine, b->board->mem_align_mib, c->memory_mib);
  add_printf (b, "-m", "%u", c->memory_mib);

  if (c->cpus == 0)
    return fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] cpus", "must be at least 1");
  if (b->board->max_cpus != 0 && c->cpus > b->board->max_cpus)
    return fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] cpus",
                 "machine %s supports at most %u CPU%s (not %u)", b->machine,
                 b->board->max_cpus, b->board->max_cpus == 1 ? "" : "s", c->cpus);
  add_printf (b, "-smp", "%u", c->cpus);
  return TRUE;
}

static gboolean
add_identity (Builder *b)
{
  HgVmConfig *c = b->config;
  g_autofree char *label = NULL;

  if (c->label == NULL || *c->label == '\0' || has_control_chars (c->label))
    return fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] label", "missing or not printable");
  label = hg_cmdline_escape (c->label);
  add_printf (b, "-name", "guest=%s,process=hangar-%s", label, label);

  if (c->uuid != NULL && *c->uuid != '\0')
    {
      if (!g_uuid_string_is_valid (c->uuid))
        return fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] uuid",
                     "\"%s\" is not a UUID", c->uuid);
      add2 (b, "-uuid", c->uuid);
    }
  return TRUE;
}

static void
add_runtime (Builder *b)
{
  const HgRuntimePaths *r = b->runtime;
  g_autofree char *qmp = hg_cmdline_escape (r->qmp);
  g_autofree char *qmp_ctl = hg_cmdline_escape (r->qmp_ctl);
  g_autofree char *serial = hg_cmdline_escape (r->serial);
  g_autofree char *monitor = hg_cmdline_escape (r->monitor);

  add2 (b, "-pidfile", r->pidfile);
  add_printf (b, "-qmp", "unix:%s,server=on,wait=off", qmp);
  /* QEMU serves one client per QMP socket: the window keeps the first, a
   * hangarctl run meanwhile uses the second */
  add_printf (b, "-qmp", "unix:%s,server=on,wait=off", qmp_ctl);

  /* Serial console with the HMP monitor multiplexed on it (Ctrl-a c) */
  add_printf (b, "-chardev", "socket,id=serial0,path=%s,server=on,wait=off,mux=on", serial);
  if (b->config->serial)
    {
      /* "-serial null" would take the id serial0 itself */
      if (b->board->serial_index > 0)
        add2 (b, "-chardev", "null,id=serialnull");
      for (guint i = 0; i < b->board->serial_index; i++)
        add2 (b, "-serial", "chardev:serialnull");
      add2 (b, "-serial", "chardev:serial0");
    }
  add2 (b, "-mon", "chardev=serial0,mode=readline");

  /* A dedicated HMP monitor */
  add_printf (b, "-chardev", "socket,id=monitor0,path=%s,server=on,wait=off", monitor);
  add2 (b, "-mon", "chardev=monitor0,mode=readline");
}

static void
ensure_usb (Builder *b)
{
  if (b->usb_added)
    return;
  add2 (b, "-device", "qemu-xhci,id=usb0");
  b->usb_added = TRUE;
}

static gboolean
add_display (Builder *b)
{
  HgVmConfig *c = b->config;
  const char *vga = c->vga && *c->vga ? c->vga : b->board->vga;
  gboolean graphical = c->console == HG_CONSOLE_VNC || c->console == HG_CONSOLE_SDL;

  if (vga != NULL && !g_str_equal (vga, "none"))
    {
      if (!is_word (vga, "_-"))
        return fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] vga",
                     "\"%s\" is not a display adapter name", vga);
      if (g_str_equal (b->board->vga ? b->board->vga : "", "virtio-gpu-pci") &&
          (g_str_equal (vga, "virtio") || g_str_equal (vga, "virtio-gpu-pci")))
        add2 (b, "-device", "virtio-gpu-pci");
      else
        add2 (b, "-vga", vga);
    }

  if (graphical && b->board->pci && (b->board->usb_kbd || b->board->usb_tablet))
    {
      ensure_usb (b);
      if (b->board->usb_kbd)
        add2 (b, "-device", "usb-kbd,bus=usb0.0");
      if (b->board->usb_tablet)
        add2 (b, "-device", "usb-tablet,bus=usb0.0");
    }

  switch (c->console)
    {
    case HG_CONSOLE_VNC:
      {
        g_autofree char *vnc = hg_cmdline_escape (b->runtime->vnc);
        add2 (b, "-display", "none");
        add_printf (b, "-vnc", "unix:%s", vnc);
        if (c->keymap != NULL && *c->keymap != '\0')
          {
            if (!is_word (c->keymap, "_-"))
              return fail (b, HG_CMDLINE_ERROR_INVALID, "[display] keymap",
                           "\"%s\" is not a keyboard layout name", c->keymap);
            add2 (b, "-k", c->keymap);
          }
      }
      break;
    case HG_CONSOLE_SDL:
      add2 (b, "-display", "sdl");
      break;
    case HG_CONSOLE_SERIAL:
    case HG_CONSOLE_NONE:
    default:
      add2 (b, "-display", "none");
      break;
    }
  return TRUE;
}

static void
ensure_scsi (Builder *b)
{
  if (b->scsi_added || b->board->scsi_ctrl == NULL)
    return;
  add_printf (b, "-device", "%s,id=scsi0", b->board->scsi_ctrl);
  b->scsi_added = TRUE;
}

static const char *
scsi_bus (Builder *b)
{
  return b->board->scsi_ctrl != NULL ? ",bus=scsi0.0" : "";
}

static char *
bootindex_opt (Builder *b,
               gboolean first)
{
  if (b->board->boot != BOOT_BY_INDEX)
    return g_strdup ("");
  if (first)
    return g_strdup (",bootindex=1");
  return g_strdup_printf (",bootindex=%u", b->next_bootindex++);
}

static gboolean
add_disks (Builder *b)
{
  HgVmConfig *c = b->config;

  for (guint i = 0; c->disks != NULL && i < c->disks->len; i++)
    {
      HgDisk *disk = g_ptr_array_index (c->disks, i);
      g_autofree char *path_key = group_key ("disk", i, "path");
      g_autofree char *fmt_key = group_key ("disk", i, "format");
      g_autofree char *if_key = group_key ("disk", i, "interface");
      g_autofree char *path = resolve_path (b, path_key, disk->path);
      g_autofree char *epath = NULL;
      g_autofree char *boot = NULL;
      const char *iface = disk->interface && *disk->interface ? disk->interface
                                                              : b->arch->disk_if;
      gboolean first = (i == 0 && b->boot_mode == HG_BOOT_DISK);

      if (path == NULL)
        return FALSE;
      if (disk->format == NULL || !is_word (disk->format, "_-"))
        return fail (b, disk->format ? HG_CMDLINE_ERROR_INVALID : HG_CMDLINE_ERROR_MISSING,
                     fmt_key, "every disk needs an explicit image format (qcow2, raw ...)");
      epath = hg_cmdline_escape (path);
      add_printf (b, "-drive", "file=%s,format=%s,if=none,id=disk%u", epath, disk->format, i);

      boot = bootindex_opt (b, first);
      if (g_str_equal (iface, "virtio"))
        {
          if (b->board->virtio == VIRTIO_PCI)
            add_printf (b, "-device", "virtio-blk-pci,drive=disk%u%s", i, boot);
          else if (b->board->virtio == VIRTIO_MMIO)
            add_printf (b, "-device", "virtio-blk-device,drive=disk%u%s", i, boot);
          else
            return fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, if_key,
                         "machine %s has no virtio transport; use %s",
                         b->machine, b->arch->disk_if);
        }
      else if (g_str_equal (iface, "ide"))
        {
          if (!b->board->ide)
            return fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, if_key,
                         "machine %s has no IDE bus; use %s", b->machine, b->arch->disk_if);
          add_printf (b, "-device", "ide-hd,drive=disk%u%s", i, boot);
        }
      else if (g_str_equal (iface, "scsi"))
        {
          ensure_scsi (b);
          add_printf (b, "-device", "scsi-hd,drive=disk%u%s%s", i, scsi_bus (b), boot);
        }
      else if (g_str_equal (iface, "none"))
        ; /* drive defined, attached by nobody (e.g. for a later hot-plug) */
      else
        return fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, if_key,
                     "interface \"%s\" cannot be used on machine %s (use virtio, ide, "
                     "scsi or none)", iface, b->machine);
    }
  return TRUE;
}

static gboolean
add_cdrom (Builder  *b,
           HgMedium *m,
           guint     index)
{
  g_autofree char *key = group_key ("cdrom", index, "path");
  g_autofree char *boot = bootindex_opt (b, b->boot_mode == HG_BOOT_CDROM && index == 0);
  gboolean empty = m->path == NULL || *m->path == '\0';

  if (empty)
    add_printf (b, "-drive", "if=none,id=cd%u,media=cdrom,readonly=on", index);
  else
    {
      g_autofree char *path = resolve_path (b, key, m->path);
      g_autofree char *epath = NULL;
      const char *format = m->format && *m->format ? m->format : "raw";

      if (path == NULL)
        return FALSE;
      if (!is_word (format, "_-"))
        return fail (b, HG_CMDLINE_ERROR_INVALID, key, "bad image format \"%s\"", format);
      epath = hg_cmdline_escape (path);
      add_printf (b, "-drive", "file=%s,format=%s,if=none,id=cd%u,media=cdrom,readonly=on",
                  epath, format, index);
    }

  if (b->board->ide)
    add_printf (b, "-device", "ide-cd,drive=cd%u%s", index, boot);
  else if (b->board->scsi_ctrl != NULL || !b->board->pci)
    {
      ensure_scsi (b);
      add_printf (b, "-device", "scsi-cd,drive=cd%u%s%s", index, scsi_bus (b), boot);
    }
  else
    return fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key,
                 "machine %s has no bus for a CD-ROM drive", b->machine);
  return TRUE;
}

static gboolean
add_floppy (Builder  *b,
            HgMedium *m,
            guint     index)
{
  g_autofree char *key = group_key ("floppy", index, "path");
  const char *format = m->format && *m->format ? m->format : "raw";

  if (!b->board->floppy)
    return fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key,
                 "machine %s has no floppy controller", b->machine);
  if (index > 1)
    return fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key, "at most two floppy drives");

  if (m->path == NULL || *m->path == '\0')
    add_printf (b, "-drive", "if=none,id=fd%u", index);
  else
    {
      g_autofree char *path = resolve_path (b, key, m->path);
      g_autofree char *epath = NULL;

      if (path == NULL)
        return FALSE;
      if (!is_word (format, "_-"))
        return fail (b, HG_CMDLINE_ERROR_INVALID, key, "bad image format \"%s\"", format);
      epath = hg_cmdline_escape (path);
      add_printf (b, "-drive", "file=%s,format=%s,if=none,id=fd%u", epath, format, index);
    }

  if (b->board->fdc_device != NULL)
    {
      if (!b->fdc_added)
        add_printf (b, "-device", "%s,id=fdc0", b->board->fdc_device);
      b->fdc_added = TRUE;
      add_printf (b, "-device", "floppy,unit=%u,drive=fd%u,bus=fdc0.0", index, index);
    }
  else
    add_printf (b, "-device", "floppy,unit=%u,drive=fd%u", index, index);
  return TRUE;
}

static gboolean
add_usb_stick (Builder  *b,
               HgMedium *m,
               guint     index)
{
  g_autofree char *key = group_key ("usb", index, "path");
  g_autofree char *path = NULL;
  g_autofree char *epath = NULL;
  const char *format = m->format && *m->format ? m->format : "raw";
  gboolean boot = b->boot_mode == HG_BOOT_USB && index == 0;

  if (!b->board->pci)
    return fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, key,
                 "machine %s has no USB controller", b->machine);
  path = resolve_path (b, key, m->path);
  if (path == NULL)
    return FALSE;
  if (!is_word (format, "_-"))
    return fail (b, HG_CMDLINE_ERROR_INVALID, key, "bad image format \"%s\"", format);
  epath = hg_cmdline_escape (path);
  ensure_usb (b);
  add_printf (b, "-drive", "file=%s,format=%s,if=none,id=usb%u", epath, format, index);
  /* SeaBIOS and UEFI both honour bootindex on usb-storage */
  if (boot)
    add_printf (b, "-device", "usb-storage,bus=usb0.0,drive=usb%u,bootindex=1", index);
  else
    add_printf (b, "-device", "usb-storage,bus=usb0.0,drive=usb%u", index);
  return TRUE;
}

static gboolean
add_media (Builder *b)
{
  HgVmConfig *c = b->config;
  guint n_cd = 0, n_fd = 0, n_usb = 0;

  for (guint i = 0; c->media != NULL && i < c->media->len; i++)
    {
      HgMedium *m = g_ptr_array_index (c->media, i);
      gboolean ok = TRUE;

      switch (m->kind)
        {
        case HG_MEDIUM_CDROM:
          ok = add_cdrom (b, m, n_cd++);
          break;
        case HG_MEDIUM_FLOPPY:
          ok = add_floppy (b, m, n_fd++);
          break;
        case HG_MEDIUM_USB:
          ok = add_usb_stick (b, m, n_usb++);
          break;
        default:
          break;
        }
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_boot_needs (Builder *b)
{
  HgVmConfig *c = b->config;
  HgMedium *m;

  switch (b->boot_mode)
    {
    case HG_BOOT_DISK:
      if (c->disks == NULL || c->disks->len == 0)
        return fail (b, HG_CMDLINE_ERROR_MISSING, "[disk:0] path",
                     "boot mode disk needs a disk");
      break;
    case HG_BOOT_CDROM:
      m = hg_vm_config_get_medium (c, HG_MEDIUM_CDROM);
      if (m == NULL || m->path == NULL || *m->path == '\0')
        return fail (b, HG_CMDLINE_ERROR_MISSING, "[cdrom:0] path",
                     "boot mode cdrom needs a CD-ROM image (ISO)");
      break;
    case HG_BOOT_FLOPPY:
      m = hg_vm_config_get_medium (c, HG_MEDIUM_FLOPPY);
      if (m == NULL || m->path == NULL || *m->path == '\0')
        return fail (b, HG_CMDLINE_ERROR_MISSING, "[floppy:0] path",
                     "boot mode floppy needs a floppy image");
      if (!b->board->floppy)
        return fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, "[boot] mode",
                     "machine %s cannot boot from a floppy", b->machine);
      break;
    case HG_BOOT_USB:
      m = hg_vm_config_get_medium (c, HG_MEDIUM_USB);
      if (m == NULL || m->path == NULL || *m->path == '\0')
        return fail (b, HG_CMDLINE_ERROR_MISSING, "[usb:0] path",
                     "boot mode usb needs a USB stick image");
      break;
    case HG_BOOT_PXE:
      {
        gboolean have_nic = FALSE;
        for (guint i = 0; c->nics != NULL && i < c->nics->len; i++)
          have_nic |= ((HgNic *) g_ptr_array_index (c->nics, i))->mode != HG_NET_NONE;
        if (!have_nic)
          return fail (b, HG_CMDLINE_ERROR_MISSING, "[net:0] mode",
                       "boot mode pxe needs a network interface");
      }
      break;
    case HG_BOOT_KERNEL:
      if (c->kernel == NULL || *c->kernel == '\0')
        return fail (b, HG_CMDLINE_ERROR_MISSING, "[boot] kernel",
                     "boot mode kernel needs a kernel image");
      break;
    default:
      return fail (b, HG_CMDLINE_ERROR_INVALID, "[boot] mode", "unknown boot mode %d",
                   (int) b->boot_mode);
    }
  return TRUE;
}

static gboolean
add_boot (Builder *b)
{
  HgVmConfig *c = b->config;

  if (b->boot_mode == HG_BOOT_KERNEL)
    {
      g_autofree char *kernel = resolve_path (b, "[boot] kernel", c->kernel);

      if (kernel == NULL)
        return FALSE;
      add2 (b, "-kernel", kernel);
      if (c->initrd != NULL && *c->initrd != '\0')
        {
          g_autofree char *initrd = resolve_path (b, "[boot] initrd", c->initrd);
          if (initrd == NULL)
            return FALSE;
          /* -initrd splits on ',' for multiboot kernels: refuse rather than guess */
          if (strchr (initrd, ',') != NULL)
            return fail (b, HG_CMDLINE_ERROR_INVALID, "[boot] initrd",
                         "a comma in the initrd path cannot be passed to QEMU");
          add2 (b, "-initrd", initrd);
        }
      if (c->append != NULL && *c->append != '\0')
        {
          if (has_control_chars (c->append))
            return fail (b, HG_CMDLINE_ERROR_INVALID, "[boot] append",
                         "the kernel command line contains a newline or control character");
          add2 (b, "-append", c->append);
        }
      if (c->dtb != NULL && *c->dtb != '\0')
        {
          g_autofree char *dtb = resolve_path (b, "[boot] dtb", c->dtb);
          if (dtb == NULL)
            return FALSE;
          add2 (b, "-dtb", dtb);
        }
      return TRUE;
    }

  /* Firmware for boards whose default one cannot boot disks */
  {
    const char *fw = hg_host_caps_get_firmware (b->caps, c->arch);
    if (fw != NULL && g_str_equal (b->machine, "virt"))
      add2 (b, "-bios", fw);
  }

  if (b->board->boot == BOOT_BY_ORDER)
    {
      switch (b->boot_mode)
        {
        case HG_BOOT_DISK:
          add2 (b, "-boot", "order=c");
          break;
        case HG_BOOT_CDROM:
          /* the installer boots once from the CD, the reboot after it from disk */
          add2 (b, "-boot", "order=c,once=d");
          break;
        case HG_BOOT_PXE:
          add2 (b, "-boot", "order=n");
          break;
        case HG_BOOT_FLOPPY:
          add2 (b, "-boot", "order=a");
          break;
        case HG_BOOT_USB:   /* bootindex on the usb-storage device */
        case HG_BOOT_KERNEL:
        default:
          break;
        }
    }
  return TRUE;
}

static gboolean
add_nics (Builder  *b,
          gboolean  vdeq)
{
  HgVmConfig *c = b->config;
  gboolean first_boot_nic = b->boot_mode == HG_BOOT_PXE;

  for (guint i = 0; c->nics != NULL && i < c->nics->len; i++)
    {
      HgNic *nic = g_ptr_array_index (c->nics, i);
      g_autofree char *mode_key = group_key ("net", i, "mode");
      g_autofree char *model_key = group_key ("net", i, "model");
      g_autofree char *mac_key = group_key ("net", i, "mac");
      const char *model = nic->model && *nic->model ? nic->model : b->arch->nic_model;
      g_autofree char *mac_opt = NULL;
      g_autofree char *boot = NULL;
      g_autofree char *netdev_id = NULL;
      gboolean use_vdeq = FALSE;
      gboolean vde_hub = FALSE;
      GString *nd;

      if (nic->mode == HG_NET_NONE)
        continue;

      if (!is_word (model, "_.-"))
        return fail (b, HG_CMDLINE_ERROR_INVALID, model_key,
                     "\"%s\" is not a NIC model name", model);
      if (nic->mac != NULL && *nic->mac != '\0')
        {
          if (!hg_mac_is_valid (nic->mac))
            return fail (b, HG_CMDLINE_ERROR_INVALID, mac_key,
                         "\"%s\" is not a MAC address", nic->mac);
        }

      nd = g_string_new (NULL);
      switch (nic->mode)
        {
        case HG_NET_USER:
          netdev_id = g_strdup_printf ("net%u", i);
          g_string_append_printf (nd, "user,id=%s", netdev_id);
          for (guint j = 0; nic->hostfwd != NULL && j < nic->hostfwd->len; j++)
            {
              HgHostFwd *fwd = g_ptr_array_index (nic->hostfwd, j);
              const char *proto = fwd->proto && g_str_equal (fwd->proto, "udp") ? "udp" : "tcp";
              g_string_append_printf (nd, ",hostfwd=%s::%u-:%u", proto,
                                      fwd->host_port, fwd->guest_port);
            }
          if (nic->tftp != NULL && *nic->tftp != '\0')
            {
              g_autofree char *tkey = group_key ("net", i, "tftp");
              g_autofree char *tftp = resolve_path (b, tkey, nic->tftp);
              g_autofree char *etftp = NULL;
              if (tftp == NULL)
                {
                  g_string_free (nd, TRUE);
                  return FALSE;
                }
              etftp = hg_cmdline_escape (tftp);
              g_string_append_printf (nd, ",tftp=%s", etftp);
            }
          if (nic->bootfile != NULL && *nic->bootfile != '\0')
            {
              g_autofree char *ebf = NULL;
              if (has_control_chars (nic->bootfile))
                {
                  g_autofree char *bkey = group_key ("net", i, "bootfile");
                  g_string_free (nd, TRUE);
                  return fail (b, HG_CMDLINE_ERROR_INVALID, bkey,
                               "contains a newline or control character");
                }
              ebf = hg_cmdline_escape (nic->bootfile);
              g_string_append_printf (nd, ",bootfile=%s", ebf);
            }
          break;

        case HG_NET_VDE:
          {
            const char *sw = nic->switch_name && *nic->switch_name ? nic->switch_name
                                                                  : "default";
            g_autofree char *swkey = group_key ("net", i, "switch");
            g_autofree char *dir = NULL;
            g_autofree char *sock = NULL;

            if (!is_word (sw, "_.-") || sw[0] == '.' || sw[0] == '-')
              {
                g_string_free (nd, TRUE);
                return fail (b, HG_CMDLINE_ERROR_INVALID, swkey,
                             "\"%s\" is not a switch name ([A-Za-z0-9._-], not "
                             "starting with . or -)", sw);
              }
            dir = hg_runtime_switch_dir (b->runtime->root, sw);
            sock = g_build_filename (dir, "data", NULL);
            if (nic->vdeq && vdeq)
              {
                /* vdeq parses "-net vde,..." itself and cannot unescape
                 * commas: refuse what it would misread. */
                if (strpbrk (sock, ",\"") != NULL)
                  {
                    g_string_free (nd, TRUE);
                    return fail (b, HG_CMDLINE_ERROR_INVALID, swkey,
                                 "the switch socket path %s contains a comma or a quote, "
                                 "which vdeq cannot pass", sock);
                  }
                use_vdeq = TRUE;
                netdev_id = g_strdup_printf ("vdeq%u", i);
                g_string_append_printf (nd, "vde,vlan=%u,sock=%s", i, sock);
              }
            else
              {
                g_autofree char *esock = hg_cmdline_escape (sock);
                /* NIC -- hub -- plug -- vde: the plug can be replaced at run
                 * time (netdev_del/netdev_add) when the switch restarts,
                 * which QEMU's vde backend never does by itself */
                netdev_id = g_strdup_printf ("net%u", i);
                g_string_append_printf (nd, "vde,id=vde%u,sock=%s", i, esock);
                vde_hub = TRUE;
              }
          }
          break;

        case HG_NET_TAP:
          {
            g_autofree char *tkey = group_key ("net", i, "tap");
            if (nic->tap == NULL || *nic->tap == '\0')
              {
                g_string_free (nd, TRUE);
                return fail (b, HG_CMDLINE_ERROR_MISSING, tkey,
                             "mode tap needs the name of a TAP interface");
              }
            if (!is_word (nic->tap, "_.-") || strlen (nic->tap) > 15 || nic->tap[0] == '-')
              {
                g_string_free (nd, TRUE);
                return fail (b, HG_CMDLINE_ERROR_INVALID, tkey,
                             "\"%s\" is not an interface name (1-15 of [A-Za-z0-9._-])",
                             nic->tap);
              }
            netdev_id = g_strdup_printf ("net%u", i);
            g_string_append_printf (nd, "tap,id=%s,ifname=%s,script=no,downscript=no",
                                    netdev_id, nic->tap);
          }
          break;

        case HG_NET_NONE:
        default:
          g_string_free (nd, TRUE);
          return fail (b, HG_CMDLINE_ERROR_INVALID, mode_key, "unknown network mode");
        }

      /* Guest side */
      boot = (first_boot_nic && b->board->boot == BOOT_BY_INDEX) ? g_strdup (",bootindex=1")
                                                                 : g_strdup ("");
      first_boot_nic = FALSE;
      if (b->board->nic_onboard)
        {
          mac_opt = nic->mac && *nic->mac ? g_strdup_printf (",macaddr=%s", nic->mac)
                                          : g_strdup ("");
          add_printf (b, "-net", "nic,netdev=%s,model=%s%s", netdev_id, model, mac_opt);
        }
      else
        {
          mac_opt = nic->mac && *nic->mac ? g_strdup_printf (",mac=%s", nic->mac)
                                          : g_strdup ("");
          add_printf (b, "-device", "%s,netdev=%s%s%s", model, netdev_id, mac_opt, boot);
        }

      /* Host side; vdeq wants "-net vde,..." which it rewrites */
      add2 (b, use_vdeq ? "-net" : "-netdev", nd->str);
      g_string_free (nd, TRUE);
      if (vde_hub)
        {
          add_printf (b, "-netdev", "hubport,id=plug%u,hubid=%u,netdev=vde%u", i, i, i);
          add_printf (b, "-netdev", "hubport,id=%s,hubid=%u", netdev_id, i);
        }
    }
  return TRUE;
}

static gboolean
config_wants_vdeq (HgVmConfig *c)
{
  for (guint i = 0; c->nics != NULL && i < c->nics->len; i++)
    {
      HgNic *nic = g_ptr_array_index (c->nics, i);
      if (nic->mode == HG_NET_VDE && nic->vdeq)
        return TRUE;
    }
  return FALSE;
}

/* ------------------------------------------------------------------ */

GStrv
hg_cmdline_build (HgVmConfig            *config,
                  HgBootMode             boot_mode,
                  const HgRuntimePaths  *runtime,
                  const HgHostCaps      *caps,
                  GError               **error)
{
  g_autoptr(GPtrArray) argv = NULL;
  const HgEmulator *emu;
  const char *machine;
  gboolean vdeq;
  Builder b = { 0 };

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (runtime != NULL, NULL);
  g_return_val_if_fail (caps != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  b.config = config;
  b.caps = caps;
  b.runtime = runtime;
  b.boot_mode = boot_mode;
  b.error = error;
  b.next_bootindex = 2;

  b.arch = arch_info (config->arch);
  if (b.arch == NULL)
    {
      fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] arch",
            "unknown architecture \"%s\"", config->arch ? config->arch : "");
      return NULL;
    }
  machine = config->machine && *config->machine ? config->machine : b.arch->machine;
  if (!is_word (machine, "_.-"))
    {
      fail (&b, HG_CMDLINE_ERROR_INVALID, "[machine] machine",
            "\"%s\" is not a machine type name", machine);
      return NULL;
    }
  b.machine = machine;
  b.board = board_info (config->arch, machine);
  if (b.board == NULL)
    {
      fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] machine",
            "Hangar does not know machine \"%s\" for %s (the default is %s)",
            machine, config->arch, b.arch->machine);
      return NULL;
    }

  emu = hg_host_caps_get_emulator (caps, config->arch);
  if (emu == NULL || emu->path == NULL)
    {
      fail (&b, HG_CMDLINE_ERROR_NO_EMULATOR, "[machine] arch",
            "qemu-system-%s is not installed", hg_host_emulator_name (config->arch));
      return NULL;
    }

  if (!hg_cmdline_choose_accel (config, caps, &b.accel, error))
    return NULL;

  if (!check_boot_needs (&b))
    return NULL;

  vdeq = config_wants_vdeq (config);
  if (vdeq && caps->vdeq == NULL)
    {
      fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[net] vdeq",
            "vdeq is asked for but not installed (Debian package vde2)");
      return NULL;
    }
  if (vdeq && caps->vdeq_wrapper == NULL)
    {
      fail (&b, HG_CMDLINE_ERROR_UNSUPPORTED, "[net] vdeq",
            "vdeq is asked for but hangar-vdeq-qemu, which adapts vdeq's -net tap,vlan= "
            "to QEMU 3.0 and later, is not installed");
      return NULL;
    }

  argv = g_ptr_array_new_with_free_func (g_free);
  b.argv = argv;

  if (vdeq)
    {
      /* The manual's vdeqemu: vdeq opens the switch plug, then execs the
       * wrapper, which execs QEMU with the plug passed as a file descriptor. */
      add (&b, caps->vdeq);
      add (&b, caps->vdeq_wrapper);
    }
  add (&b, emu->path);

  if (!add_identity (&b))
    return NULL;
  add (&b, "-no-user-config");
  add (&b, "-nodefaults");
  if (emu->sandbox)
    add2 (&b, "-sandbox", HG_HOST_SANDBOX_OPTIONS);
  if (!add_machine (&b))
    return NULL;
  add_runtime (&b);
  if (!add_display (&b))
    return NULL;
  if (!add_disks (&b))
    return NULL;
  if (!add_media (&b))
    return NULL;
  if (!add_nics (&b, vdeq))
    return NULL;
  if (!add_boot (&b))
    return NULL;

  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}
