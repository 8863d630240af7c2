/*
  Warnings:

  - Made the column `endedAt` on table `woc_time_entries` required, but there are 715 existing NULL values.
  - Added the required column `color` to the `woc_projects` table without a default value. This is not possible if the table is not empty.

*/

-- AlterTable
ALTER TABLE `woc_time_entries` MODIFY `endedAt` DATETIME(3) NOT NULL;

-- AlterTable
ALTER TABLE `woc_projects` ADD COLUMN `color` VARCHAR(7) NOT NULL;

-- Backfill
UPDATE `woc_users` SET `emailVerifiedAt` = `createdAt` WHERE `emailVerifiedAt` IS NULL;

-- AlterTable
ALTER TABLE `woc_users` MODIFY `emailVerifiedAt` DATETIME(3) NOT NULL;
