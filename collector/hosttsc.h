/*
 * hosttsc: the host's TSC rate.
 *
 * Under TCG the guest's TSC ticks at the host's TSC rate, so a Linux guest
 * booted with tsc_early_khz=<this rate> skips its calibration against the
 * PIT (which sometimes hangs under TCG) and its clock stays right. The rate
 * is measured: rdtsc against CLOCK_MONOTONIC_RAW over 50 ms, the median
 * of three rounds (about 10 ppm apart on the machines here).
 */
#ifndef BOOTLENS_HOSTTSC_H
#define BOOTLENS_HOSTTSC_H

#include <stdint.h>

/* Measure the host TSC rate in kHz into *khz. Takes about 150 ms. Returns
 * 0, -ENOTSUP on a host without a TSC (not x86-64), -EAGAIN when every
 * round was preempted (a busy host: try again later), -EIO when the
 * measurement makes no sense (a TSC that does not advance). */
int hosttsc_khz(uint64_t *khz);

#endif
