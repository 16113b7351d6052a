/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cmdline"
#include "config.h"

#include <string.h>

#include "hg-cmdline-private.h"

/* ------------------------------------------------------------------ */
/* Per-arch and per-board knowledge */

/* The board each architecture gets unless the VM names one, and why.
 * tests/test-arches.c boots a Debian kernel on each of Debian's release
 * architectures with nothing but these defaults. */
static const HgCmdlineArchInfo arch_table[] = {
  /* i386: the i440FX PC, which every 32-bit x86 OS knows (Debian's 686). */
  { "i386",     "pc",              NULL,         "ide",    "e1000" },
  /* x86_64: Q35 for PCIe and UEFI; "max" for everything TCG can emulate. */
  { "x86_64",   "q35",             "max",        "virtio", "virtio-net-pci" },
  /* armhf: virt, the board for generic ARMv7 kernels (Debian's armmp);
   * Cortex-A15, an ARMv7-A CPU with LPAE, runs armmp and armmp-lpae. */
  { "arm",      "virt",            "cortex-a15", "virtio", "virtio-net-pci" },
  /* arm64: virt, the board for generic (UEFI/device tree) ARMv8 kernels. */
  { "aarch64",  "virt",            "max",        "virtio", "virtio-net-pci" },
  /* mips, mipsel, mips64el: Malta, the MIPS reference board that Debian's
   * malta kernels (4kc, 5kc) are built for; 5KEc is the 64-bit Malta CPU. */
  { "mips",     "malta",           NULL,         "ide",    "pcnet" },
  { "mipsel",   "malta",           NULL,         "ide",    "pcnet" },
  { "mips64el", "malta",           "5KEc",       "ide",    "pcnet" },
  /* ppc: Mac99, the PowerMac that 32-bit PowerPC distributions boot on. */
  { "ppc",      "mac99",           NULL,         "ide",    "sungem" },
  /* ppc64el: pseries (PAPR, SLOF), the virtual board of ppc64el kernels,
   * console hvc0; POWER9 runs Debian's POWER8 baseline and TCG emulates it
   * fully. */
  { "ppc64",    "pseries",         "power9",     "scsi",   "spapr-vlan" },
  /* s390x: s390-ccw-virtio, the only virtual s390x machine; the SCLP
   * console is ttysclp0, disks and NICs are virtio on the channel bus. */
  { "s390x",    "s390-ccw-virtio", NULL,         "virtio", "virtio-net-ccw" },
  { "sh4",      "r2d",             NULL,         "ide",    "rtl8139" },
  { "m68k",     "virt",            NULL,         "virtio", "virtio-net-device" },
  { "alpha",    "clipper",         NULL,         "ide",    "e1000" },
  { "sparc",    "SS-5",            NULL,         "scsi",   "lance" },
  { "sparc64",  "sun4u",           NULL,         "ide",    "sunhme" },
  /* riscv64: virt, the board for generic (OpenSBI, device tree) kernels. */
  { "riscv64",  "virt",            NULL,         "virtio", "virtio-net-pci" },
};

static const HgCmdlineBoardInfo board_table[] = {
  { " i386 x86_64 ", "pc", TRUE, TRUE, TRUE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_ORDER, "std", FALSE, FALSE, TRUE, 0, 0, 0, 0, 2, 2 },
  { " i386 x86_64 ", "q35", TRUE, TRUE, TRUE, "isa-fdc", "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_ORDER, "std", FALSE, FALSE, TRUE, 0, 0, 0, 0, 6, 1 },
  { " arm aarch64 riscv64 ", "virt", TRUE, FALSE, FALSE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_INDEX, "virtio-gpu-pci", FALSE, TRUE, TRUE, 0, 0, 0, 0 },
  { " m68k ", "virt", FALSE, FALSE, FALSE, NULL, "virtio-scsi-device", VIRTIO_MMIO,
    BOOT_BY_NONE, NULL, FALSE, FALSE, FALSE, 0, 1, 3328, 0 },
  { " mips mipsel mips64el ", "malta", TRUE, TRUE, FALSE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_NONE, "cirrus", FALSE, FALSE, FALSE, 0, 16, 2048, 0, 2, 2 },
  { " ppc ", "mac99", TRUE, TRUE, FALSE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_ORDER, "std", FALSE, FALSE, FALSE, 0, 1, 2048, 0, 2, 2 },
  { " ppc ", "g3beige", TRUE, TRUE, FALSE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_ORDER, "std", FALSE, FALSE, FALSE, 0, 1, 2048, 0, 2, 2 },
  { " ppc64 ", "pseries", TRUE, FALSE, FALSE, NULL, "spapr-vscsi", VIRTIO_PCI,
    BOOT_BY_INDEX, "std", FALSE, TRUE, TRUE, 0, 0, 0, 256 },
  { " s390x ", "s390-ccw-virtio", FALSE, FALSE, FALSE, NULL, "virtio-scsi-ccw", VIRTIO_CCW,
    BOOT_BY_INDEX, NULL, FALSE, FALSE, FALSE, 0, 0, 0, 0 },
  { " sh4 ", "r2d", TRUE, TRUE, FALSE, NULL, NULL, VIRTIO_NONE,
    BOOT_BY_NONE, NULL, FALSE, FALSE, FALSE, 1, 1, 0, 0, 1, 2 },
  { " alpha ", "clipper", TRUE, TRUE, FALSE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_NONE, "cirrus", FALSE, FALSE, FALSE, 0, 4, 0, 0, 2, 2 },
  { " sparc ", "SS-5", FALSE, FALSE, FALSE, NULL, NULL, VIRTIO_NONE,
    BOOT_BY_ORDER, "tcx", TRUE, FALSE, FALSE, 0, 1, 256, 0 },
  { " sparc64 ", "sun4u", TRUE, TRUE, FALSE, NULL, "virtio-scsi-pci", VIRTIO_PCI,
    BOOT_BY_ORDER, "std", TRUE, FALSE, FALSE, 0, 1, 0, 0, 2, 2 },
};

const HgCmdlineArchInfo *
_hg_cmdline_arch_info (const char *arch)
{
  if (arch == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (arch_table); i++)
    if (g_str_equal (arch_table[i].arch, arch))
      return &arch_table[i];
  return NULL;
}

const HgCmdlineBoardInfo *
_hg_cmdline_board_info (const char *arch,
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

static const HgCmdlineBoardInfo generic_board = {
  "", NULL, FALSE, FALSE, FALSE, NULL, NULL, VIRTIO_NONE,
  BOOT_BY_NONE, NULL, TRUE, FALSE, FALSE, 0, 0, 0, 0
};

const HgCmdlineBoardInfo *
_hg_cmdline_generic_board (void)
{
  return &generic_board;
}

const char *
hg_cmdline_default_machine (const char *arch)
{
  const HgCmdlineArchInfo *info = _hg_cmdline_arch_info (arch);

  return info ? info->machine : NULL;
}

/* ------------------------------------------------------------------ */
/* Pieces */

gboolean
_hg_cmdline_add_machine (HgCmdlineBuilder *b)
{
  HgVmConfig *c = b->config;
  const char *cpu = c->cpu_model;
  g_autofree char *machine = hg_cmdline_escape (b->machine);
  g_autofree char *firmware = _hg_cmdline_firmware_machine_props (b);

  _hg_cmdline_add_printf (b, "-machine", "%s%s", machine, firmware);
  _hg_cmdline_add2 (b, "-accel", b->accel == HG_ACCEL_KVM ? "kvm" : "tcg");

  if (cpu == NULL || *cpu == '\0')
    cpu = b->accel == HG_ACCEL_KVM ? "host" : b->arch->cpu_tcg;
  if (cpu != NULL)
    {
      g_autofree char *flags = _hg_cmdline_guest_cpu_flags (b);

      if (!_hg_cmdline_is_word (cpu, "_.+-"))
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] cpu",
                                 "\"%s\" is not a CPU model name", cpu);
      _hg_cmdline_add_printf (b, "-cpu", "%s%s", cpu, flags);
    }

  if (c->memory_mib == 0)
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] memory",
                             "must be at least 1 MiB");
  if (b->board->max_mem_mib != 0 && c->memory_mib > b->board->max_mem_mib)
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] memory",
                             "%u MiB is more than machine %s takes (at most %u MiB)",
                             c->memory_mib, b->machine, b->board->max_mem_mib);
  if (b->board->mem_align_mib != 0 && c->memory_mib % b->board->mem_align_mib != 0)
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] memory",
                             "machine %s needs a multiple of %u MiB (not %u)",
                             b->machine, b->board->mem_align_mib, c->memory_mib);
  _hg_cmdline_add_printf (b, "-m", "%u", c->memory_mib);

  if (c->cpus == 0)
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] cpus", "must be at least 1");
  if (b->board->max_cpus != 0 && c->cpus > b->board->max_cpus)
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_UNSUPPORTED, "[machine] cpus",
                             "machine %s supports at most %u CPU%s (not %u)", b->machine,
                             b->board->max_cpus, b->board->max_cpus == 1 ? "" : "s", c->cpus);
  _hg_cmdline_add_printf (b, "-smp", "%u", c->cpus);
  return TRUE;
}

gboolean
_hg_cmdline_add_identity (HgCmdlineBuilder *b)
{
  HgVmConfig *c = b->config;
  g_autofree char *label = NULL;

  if (c->label == NULL || *c->label == '\0' || _hg_cmdline_has_control_chars (c->label))
    return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] label",
                             "missing or not printable");
  label = hg_cmdline_escape (c->label);
  _hg_cmdline_add_printf (b, "-name", "guest=%s,process=hangar-%s", label, label);

  if (c->uuid != NULL && *c->uuid != '\0')
    {
      if (!g_uuid_string_is_valid (c->uuid))
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] uuid",
                                 "\"%s\" is not a UUID", c->uuid);
      _hg_cmdline_add2 (b, "-uuid", c->uuid);
    }
  return TRUE;
}

void
_hg_cmdline_add_runtime (HgCmdlineBuilder *b)
{
  const HgRuntimePaths *r = b->runtime;
  g_autofree char *serial = hg_cmdline_escape (r->serial);
  g_autofree char *monitor = hg_cmdline_escape (r->monitor);

  _hg_cmdline_add2 (b, "-pidfile", r->pidfile);
  /* QMP on sockets Hangar bound itself (qmp.sock, qmp-ctl.sock) and
   * passed as fds, so a start connects at once instead of polling for
   * them.  QEMU serves one client per QMP socket: the window keeps the
   * first, a hangarctl run meanwhile uses the second */
  _hg_cmdline_add_printf (b, "-chardev", "socket,id=qmp0,fd=%d,server=on,wait=off",
                          HG_CMDLINE_QMP_FD);
  _hg_cmdline_add2 (b, "-mon", "chardev=qmp0,mode=control");
  _hg_cmdline_add_printf (b, "-chardev", "socket,id=qmp1,fd=%d,server=on,wait=off",
                          HG_CMDLINE_QMP_CTL_FD);
  _hg_cmdline_add2 (b, "-mon", "chardev=qmp1,mode=control");

  /* Serial console with the HMP monitor multiplexed on it (Ctrl-a c) */
  _hg_cmdline_add_printf (b, "-chardev", "socket,id=serial0,path=%s,server=on,wait=off,mux=on",
                          serial);
  if (b->config->serial)
    {
      /* "-serial null" would take the id serial0 itself */
      if (b->board->serial_index > 0)
        _hg_cmdline_add2 (b, "-chardev", "null,id=serialnull");
      for (guint i = 0; i < b->board->serial_index; i++)
        _hg_cmdline_add2 (b, "-serial", "chardev:serialnull");
      _hg_cmdline_add2 (b, "-serial", "chardev:serial0");
    }
  _hg_cmdline_add2 (b, "-mon", "chardev=serial0,mode=readline");

  /* A dedicated HMP monitor */
  _hg_cmdline_add_printf (b, "-chardev", "socket,id=monitor0,path=%s,server=on,wait=off", monitor);
  _hg_cmdline_add2 (b, "-mon", "chardev=monitor0,mode=readline");
}

void
_hg_cmdline_ensure_usb (HgCmdlineBuilder *b)
{
  if (b->usb_added)
    return;
  _hg_cmdline_add2 (b, "-device", "qemu-xhci,id=usb0");
  b->usb_added = TRUE;
}

gboolean
_hg_cmdline_add_display (HgCmdlineBuilder *b)
{
  HgVmConfig *c = b->config;
  const char *vga = c->vga && *c->vga ? c->vga : b->board->vga;
  gboolean graphical = c->console == HG_CONSOLE_VNC || c->console == HG_CONSOLE_SDL;

  if (vga != NULL && !g_str_equal (vga, "none"))
    {
      if (!_hg_cmdline_is_word (vga, "_-"))
        return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[machine] vga",
                                 "\"%s\" is not a display adapter name", vga);
      if (g_str_equal (b->board->vga ? b->board->vga : "", "virtio-gpu-pci") &&
          (g_str_equal (vga, "virtio") || g_str_equal (vga, "virtio-gpu-pci")))
        _hg_cmdline_add2 (b, "-device", "virtio-gpu-pci");
      else
        _hg_cmdline_add2 (b, "-vga", vga);
    }

  if (graphical && b->board->pci && (b->board->usb_kbd || b->board->usb_tablet))
    {
      _hg_cmdline_ensure_usb (b);
      if (b->board->usb_kbd)
        _hg_cmdline_add2 (b, "-device", "usb-kbd,bus=usb0.0");
      if (b->board->usb_tablet)
        _hg_cmdline_add2 (b, "-device", "usb-tablet,bus=usb0.0");
    }

  switch (c->console)
    {
    case HG_CONSOLE_VNC:
      {
        g_autofree char *vnc = hg_cmdline_escape (b->runtime->vnc);
        _hg_cmdline_add2 (b, "-display", "none");
        _hg_cmdline_add_printf (b, "-vnc", "unix:%s", vnc);
        if (c->keymap != NULL && *c->keymap != '\0')
          {
            if (!_hg_cmdline_is_word (c->keymap, "_-"))
              return _hg_cmdline_fail (b, HG_CMDLINE_ERROR_INVALID, "[display] keymap",
                                       "\"%s\" is not a keyboard layout name", c->keymap);
            _hg_cmdline_add2 (b, "-k", c->keymap);
          }
      }
      break;
    case HG_CONSOLE_SDL:
      _hg_cmdline_add2 (b, "-display", "sdl");
      break;
    case HG_CONSOLE_SERIAL:
    case HG_CONSOLE_NONE:
    default:
      _hg_cmdline_add2 (b, "-display", "none");
      break;
    }
  return TRUE;
}
