/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cmdline"
#include "config.h"

#include <string.h>

#include "hg-cmdline-private.h"

/* What the guest OS ([guest] os-id, family) changes in the command line:
 * for Windows what libvirt, virt-install and libosinfo give it.
 *  - Hyper-V enlightenments, under KVM only, each where the kernel offers
 *    it (QEMU refuses to start otherwise): TCG implements none of them
 *    (QEMU 7.2 takes most of the flags under TCG and ignores them, and
 *    refuses hv_vpindex);
 *  - the clock in local time, as Windows keeps it, with missed RTC ticks
 *    caught up (and the KVM PIT's delayed);
 *  - devices Windows has drivers for out of the box, where the config
 *    names none: SATA (the IDE interface, AHCI on q35) and e1000e (e1000
 *    on i440fx).  virtio needs the virtio-win drivers: name
 *    interface=virtio / model=virtio-net-pci once they are installed. */

gboolean
_hg_cmdline_guest_is_windows (HgVmConfig *c)
{
  const char *id = c->os_id;

  /* libosinfo names the family winnt (win9x for the old ones) */
  if (c->os_family != NULL && (g_ascii_strcasecmp (c->os_family, "windows") == 0 ||
                                g_ascii_strcasecmp (c->os_family, "winnt") == 0 ||
                                g_ascii_strcasecmp (c->os_family, "win9x") == 0))
    return TRUE;
  if (id == NULL)
    return FALSE;
  /* libosinfo: http://microsoft.com/win/11, or the short ids win11, winxp,
   * win2k22 ... */
  return g_str_has_prefix (id, "http://microsoft.com/win/") ||
         (g_str_has_prefix (id, "win") && strlen (id) > 3 && g_ascii_isalnum (id[3]));
}

static gboolean
is_x86 (HgVmConfig *c)
{
  return g_strcmp0 (c->arch, "x86_64") == 0 || g_strcmp0 (c->arch, "i386") == 0;
}

void
_hg_cmdline_adapt_to_guest (HgCmdlineBuilder *b)
{
  if (!is_x86 (b->config) || !_hg_cmdline_guest_is_windows (b->config))
    return;
  b->guest_arch = *b->arch;
  b->guest_arch.disk_if = "ide";
  b->guest_arch.nic_model = g_str_equal (b->board->machine, "q35") ? "e1000e" : "e1000";
  b->arch = &b->guest_arch;
}

char *
_hg_cmdline_guest_cpu_flags (HgCmdlineBuilder *b)
{
  /* libvirt's set for Windows (virt-manager's defaults), each where KVM
   * offers it (hg-host.h) */
  static const struct {
    const char *flag;
    guint needs;
  } flags[] = {
    { ",hv_relaxed", HG_HOST_HYPERV_BASE },
    { ",hv_vapic", HG_HOST_HYPERV_BASE | HG_HOST_HYPERV_VAPIC },
    { ",hv_spinlocks=0x1fff", HG_HOST_HYPERV_BASE | HG_HOST_HYPERV_SPIN },
    { ",hv_vpindex", HG_HOST_HYPERV_BASE | HG_HOST_HYPERV_VPINDEX },
    { ",hv_runtime", HG_HOST_HYPERV_BASE },
    { ",hv_time", HG_HOST_HYPERV_BASE | HG_HOST_HYPERV_TIME },
    { ",hv_synic", HG_HOST_HYPERV_BASE | HG_HOST_HYPERV_VPINDEX | HG_HOST_HYPERV_SYNIC },
    /* the synthetic timers need hv_time, hv_synic and hv_vpindex */
    { ",hv_stimer", HG_HOST_HYPERV_BASE | HG_HOST_HYPERV_VPINDEX | HG_HOST_HYPERV_SYNIC |
                    HG_HOST_HYPERV_TIME },
    { ",hv_reset", HG_HOST_HYPERV_BASE },
    { ",hv_frequencies", HG_HOST_HYPERV_BASE },
    { ",hv_tlbflush", HG_HOST_HYPERV_BASE | HG_HOST_HYPERV_VPINDEX | HG_HOST_HYPERV_TLBFLUSH },
    { ",hv_ipi", HG_HOST_HYPERV_BASE | HG_HOST_HYPERV_VPINDEX | HG_HOST_HYPERV_IPI },
  };
  GString *out = g_string_new (NULL);

  /* TCG implements none of them */
  if (b->accel != HG_ACCEL_KVM || !is_x86 (b->config) || !_hg_cmdline_guest_is_windows (b->config))
    return g_string_free (out, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    if ((b->caps->kvm_hyperv & flags[i].needs) == flags[i].needs)
      g_string_append (out, flags[i].flag);
  return g_string_free (out, FALSE);
}

void
_hg_cmdline_add_guest_clock (HgCmdlineBuilder *b)
{
  if (!is_x86 (b->config) || !_hg_cmdline_guest_is_windows (b->config))
    return;
  _hg_cmdline_add2 (b, "-rtc", "base=localtime,driftfix=slew");
  if (b->accel == HG_ACCEL_KVM)
    _hg_cmdline_add2 (b, "-global", "kvm-pit.lost_tick_policy=delay");
}
