"""Reading a WorkOnClock checkout: shared TypeScript, the Prisma schema and migrations, the node tools."""
